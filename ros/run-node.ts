/**
 * Starting the node: declare and validate the parameters, load the bundle (before any lifecycle
 * transition: rclnodejs runs transition callbacks synchronously, and loading is asynchronous),
 * then configure and activate when `autostart` is set, and spin until SIGINT or SIGTERM.
 */
import { ConfigError, startShieldRuntime, type ShieldRuntime } from '../runtime/index.js';
import type { TransportLog } from '../runtime/transport/index.js';
import { declareShieldParameters } from './declare-parameters.js';
import { loadRclnodejs } from './load-rclnodejs.js';
import { parseNodeParameters, type ShieldNodeConfig } from './parameters.js';
import type { RclLifecycleNode, Rclnodejs } from './rclnodejs-api.js';
import { rosTransportLog } from './ros-log.js';
import { ShieldNode, type PreparedShieldNode } from './shield-node.js';

export const NODE_NAME = 'mesa_shield';

/** Builds the runtime the node drives from its validated parameters. */
export type RuntimeBuilder = (config: ShieldNodeConfig, log: TransportLog) => Promise<ShieldRuntime>;

/** What `mesa-shield shield` runs on MQTT: the shield, the transition log and online adaptation as the parameters say. */
export const composeRuntime: RuntimeBuilder = (config, log) => startShieldRuntime(config.runtime, log);

/**
 * Declares the parameters on `node`, builds the runtime and registers the lifecycle callbacks.
 * Never throws for bad parameters or a bundle that does not load: configure then fails with the
 * reason (`ShieldNode.configureError`), as a lifecycle manager expects.
 */
export async function startShieldNode(rcl: Rclnodejs, node: RclLifecycleNode, buildRuntime: RuntimeBuilder = composeRuntime): Promise<{ shieldNode: ShieldNode; autostart: boolean }> {
  const declared = declareShieldParameters(rcl, node);
  const logger = node.getLogger();
  for (const name of declared.undeclared) logger.warn(`parameter "${name}" was given but ${NODE_NAME} has no such parameter; it is ignored`);
  let prepared: PreparedShieldNode;
  try {
    if (declared.problems.length > 0) throw new ConfigError(`ROS parameters: ${declared.problems.join('; ')}`);
    const config = parseNodeParameters(declared.values);
    prepared = { ok: true, config, runtime: await buildRuntime(config, rosTransportLog(logger)) };
  } catch (e) {
    prepared = { ok: false, error: e instanceof Error ? e : new Error(String(e)) };
    logger.error(prepared.error.message);
  }
  return { shieldNode: new ShieldNode(rcl, node, prepared), autostart: declared.values.autostart === true };
}

/** Configures and activates; throws with the reason when configure fails. */
export function autostartShieldNode(node: RclLifecycleNode, shieldNode: ShieldNode): void {
  node.configure();
  if (shieldNode.configureError) throw shieldNode.configureError;
  node.activate();
}

/**
 * `mesa-shield ros` and `node dist/ros/main.js`: runs the node until SIGINT or SIGTERM. `argv`
 * carries the ROS arguments (`--ros-args -p …`, `--params-file`, `-r from:=to`).
 */
export async function runShieldNode(argv: string[] = process.argv): Promise<void> {
  const rcl = await loadRclnodejs();
  await rcl.init(undefined, argv);
  const node = new rcl.lifecycle.LifecycleNode(NODE_NAME);
  const { shieldNode, autostart } = await startShieldNode(rcl, node);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    // Synchronous, and ahead of any handler rclnodejs installs: the neutral command goes out before the context closes.
    node.shutdown();
  };
  const signalled = new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.prependListener(signal, () => {
        stop();
        resolve();
      });
    }
  });
  try {
    if (autostart) autostartShieldNode(node, shieldNode);
    node.spin();
    await signalled;
  } finally {
    stop();
    const logged = await shieldNode.runtime?.close();
    if (logged) node.getLogger().info(`transition log closed: ${logged.written} records (${logged.dropped} dropped) in ${logged.files.join(', ')}`);
    rcl.shutdown();
  }
}
