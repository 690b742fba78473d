/**
 * The `mesa_shield` lifecycle node: a thin adapter between ROS topics and the runtime. The
 * runtime's `GateRunner` keeps the latest inputs and asks the `Shield`; this class only turns
 * messages into vectors and decisions back into messages, and publishes what the node knows.
 *
 * - configure: checks that the bundle was loaded and fits the message mappings, creates the
 *   publishers, subscriptions and the `~/toggle` service (nothing is gated yet);
 * - activate: starts gating (on each proposed command, or on a timer) and the 1 Hz state and
 *   diagnostics;
 * - deactivate: publishes the neutral command once and stops gating;
 * - cleanup / shutdown: releases what configure created (shutdown deactivates first).
 */
import type { DecisionSource, ShieldRuntime } from '../runtime/index.js';
import { GateRunner, RateLimitedLog, type Clock } from '../runtime/transport/index.js';
import { MSG, type BoolMessage, type Header, type SetBoolRequest, type SetBoolResponse } from './messages.js';
import type { QosProfile, ShieldNodeConfig } from './parameters.js';
import type { RclLifecycleNode, RclLogger, RclPublisher, RclService, RclSubscription, RclTimer, Rclnodejs } from './rclnodejs-api.js';
import { rosTransportLog } from './ros-log.js';
import { diagnosticsMessage, shieldStateMessage, type NodeStatus } from './status-messages.js';
import { StopThenQuiet } from './stop-then-quiet.js';
import { isUnstamped, nsToTime } from './time.js';

/**
 * The node's validated parameters and the runtime composed from them (the shield behind the
 * RecordingGate that feeds the transition log and online adaptation, as on MQTT), or why either
 * could not be had: configure then fails with it.
 */
export type PreparedShieldNode = { readonly ok: true; readonly config: ShieldNodeConfig; readonly runtime: ShieldRuntime } | { readonly ok: false; readonly error: Error };

const STATUS_PERIOD_NS = 1_000_000_000n;
const LOG_INTERVAL_MS = 1000;

/** What configure creates. */
interface Wiring {
  readonly config: ShieldNodeConfig;
  readonly runtime: ShieldRuntime;
  readonly clock: Clock;
  readonly runner: GateRunner;
  readonly quiet: StopThenQuiet;
  /** The neutral action as the shield applies it (clipped to the action bounds). */
  readonly neutral: Float64Array;
  readonly commandOut: RclPublisher;
  readonly shieldState: RclPublisher;
  readonly risk: RclPublisher;
  readonly diagnostics: RclPublisher;
  readonly subscriptions: RclSubscription[];
  readonly toggle: RclService;
  timers: RclTimer[];
  /** The last proposed command's header, so that a command passed through keeps its exact stamp. */
  lastProposal: { readonly stampNs: number; readonly header: Header } | null;
  frameId: string;
  announcedQuiet: boolean;
  /** The last report of the constraint topic, null before the first (or without the topic). */
  constraint: 0 | 1 | null;
  /** When the operator's bypass ends; null while the shield gates. */
  bypassUntilNs: number | null;
  gateErrorsReported: number;
  warnedUnstamped: Set<'state' | 'command'>;
}

export class ShieldNode {
  readonly #rcl: Rclnodejs;
  readonly #node: RclLifecycleNode;
  readonly #prepared: PreparedShieldNode;
  readonly #logger: RclLogger;
  #wiring: Wiring | null = null;
  #active = false;
  #configureError: Error | null = null;

  constructor(rcl: Rclnodejs, node: RclLifecycleNode, prepared: PreparedShieldNode) {
    this.#rcl = rcl;
    this.#node = node;
    this.#prepared = prepared;
    this.#logger = node.getLogger();
    node.registerOnConfigure(() => this.#transition('configure', () => this.#configure()));
    node.registerOnActivate(() => this.#transition('activate', () => this.#activate()));
    node.registerOnDeactivate(() => this.#transition('deactivate', () => this.#deactivate()));
    node.registerOnCleanup(() => this.#transition('cleanup', () => this.#cleanup()));
    node.registerOnShutdown(() =>
      this.#transition('shutdown', () => {
        if (this.#active) this.#deactivate();
        this.#cleanup();
      }),
    );
  }

  get active(): boolean {
    return this.#active;
  }

  /** Why the last configure failed, or null. */
  get configureError(): Error | null {
    return this.#configureError;
  }

  get runtime(): ShieldRuntime | null {
    return this.#prepared.ok ? this.#prepared.runtime : null;
  }

  #transition(name: string, body: () => void): number {
    const codes = this.#rcl.lifecycle.CallbackReturnCode;
    try {
      body();
      return codes.SUCCESS;
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      this.#logger.error(`${name} failed: ${error.message}`);
      if (name === 'configure') this.#configureError = error;
      return e instanceof NodeSetupError ? codes.FAILURE : codes.ERROR;
    }
  }

  #configure(): void {
    this.#configureError = null;
    if (!this.#prepared.ok) throw new NodeSetupError(this.#prepared.error.message);
    const { config, runtime } = this.#prepared;
    const { ros } = config;
    const manifest = runtime.shield.models?.manifest;
    if (!manifest) throw new NodeSetupError(`the shield has no models loaded from ${config.runtime.bundle}`);
    if (ros.state.fields.length !== manifest.observation.size) {
      throw new NodeSetupError(`state_fields names ${ros.state.fields.length} field(s); the bundle ${config.runtime.bundle} takes an observation of ${manifest.observation.size}`);
    }
    if (ros.command.fields.length !== manifest.action.size) {
      throw new NodeSetupError(`command_fields names ${ros.command.fields.length} field(s); the bundle ${config.runtime.bundle} gates an action of ${manifest.action.size}`);
    }
    const node = this.#node;
    const clock: Clock = { nowNs: () => Number(node.now().nanoseconds) };
    const runner = new GateRunner({
      gate: runtime.gate,
      clock,
      log: new RateLimitedLog(rosTransportLog(this.#logger), clock, LOG_INTERVAL_MS),
      deliver: (d, stampNs) => this.#deliver(d.action, d.source, d.risk, stampNs),
      statusChanged: () => this.#publishState(),
    });
    const qos = (profile: QosProfile) => ({ qos: this.#qos(profile), enableTypedArray: true });
    const reliable = qos('reliable');
    const neutral = Float64Array.from(manifest.neutralAction, (a, i) => Math.min(manifest.action.high[i], Math.max(manifest.action.low[i], a)));
    this.#wiring = {
      config,
      runtime,
      clock,
      runner,
      quiet: new StopThenQuiet(ros.stopPubTimeoutS),
      neutral,
      commandOut: node.createPublisher(ros.command.type, ros.commandOutTopic, qos(ros.commandQos)),
      shieldState: node.createPublisher(MSG.string, ros.shieldStateTopic, reliable),
      risk: node.createPublisher(MSG.float64, ros.riskTopic, reliable),
      diagnostics: node.createPublisher(MSG.diagnosticArray, '/diagnostics', reliable),
      subscriptions: [
        node.createSubscription(ros.state.type, ros.stateTopic, qos(ros.stateQos), (m) => this.#onState(m)),
        node.createSubscription(ros.command.type, ros.commandInTopic, qos(ros.commandQos), (m) => this.#onCommand(m)),
        ...(ros.constraintTopic === null ? [] : [node.createSubscription(MSG.bool, ros.constraintTopic, reliable, (m) => this.#onConstraint(m as BoolMessage))]),
      ],
      toggle: node.createService(MSG.setBool, '~/toggle', (request, response) => {
        response.send(this.#onToggle(request as SetBoolRequest, response.template as SetBoolResponse));
      }),
      timers: [],
      lastProposal: null,
      constraint: null,
      frameId: '',
      announcedQuiet: false,
      bypassUntilNs: null,
      gateErrorsReported: 0,
      warnedUnstamped: new Set(),
    };
    const tick = config.runtime.transport.tick === 'rate' ? `at ${config.runtime.transport.rate_hz} Hz` : 'on each proposed command';
    this.#logger.info(
      `configured: bundle ${config.runtime.bundle} (${manifest.name}, eps_safe ${runtime.shield.options.epsSafe}, fallback ${config.runtime.shield.fallback}); ` +
        `state ${ros.stateTopic} (${ros.state.type}: ${ros.state.fields.join(', ')}); ` +
        `command ${ros.commandInTopic} -> ${ros.commandOutTopic} (${ros.command.type}: ${ros.command.fields.join(', ')}); decides ${tick}`,
    );
  }

  #activate(): void {
    const w = this.#require();
    w.quiet.reset();
    w.announcedQuiet = false;
    this.#active = true;
    w.timers.push(this.#node.createTimer(STATUS_PERIOD_NS, () => this.#periodic()));
    const t = w.config.runtime.transport;
    if (t.tick === 'rate') w.timers.push(this.#node.createTimer(BigInt(Math.round(1e9 / t.rate_hz)), () => w.runner.tick()));
    this.#publishState();
    this.#logger.info('active: gating');
  }

  #deactivate(): void {
    const w = this.#require();
    this.#publishCommand(w.neutral, nsToTime(w.clock.nowNs()));
    this.#active = false;
    for (const t of w.timers) this.#node.destroyTimer(t);
    w.timers = [];
    w.runtime.shield.enable();
    w.bypassUntilNs = null;
    this.#publishState();
    this.#logger.info('inactive: published the neutral command; nothing is gated');
  }

  #cleanup(): void {
    const w = this.#wiring;
    if (!w) return;
    const node = this.#node;
    for (const t of w.timers) node.destroyTimer(t);
    for (const s of w.subscriptions) node.destroySubscription(s);
    node.destroyService(w.toggle);
    for (const p of [w.commandOut, w.shieldState, w.risk, w.diagnostics]) node.destroyPublisher(p);
    this.#wiring = null;
  }

  #require(): Wiring {
    if (!this.#wiring) throw new Error('the node is not configured');
    return this.#wiring;
  }

  #qos(profile: QosProfile): string {
    const q = this.#rcl.QoS;
    return { sensor_data: q.profileSensorData, reliable: q.profileDefault, system_default: q.profileSystemDefault }[profile];
  }

  #onState(message: unknown): void {
    const w = this.#wiring;
    if (!w || !this.#active) return;
    this.#warnIfUnstamped(w, 'state', w.config.ros.state.type === MSG.float64MultiArray ? null : (message as { header?: Header }).header ?? null);
    const input = w.config.ros.state.read(message);
    w.runner.accept('state', input.ok && w.constraint !== null ? { ok: true, message: { ...input.message, constraint: w.constraint } } : input, { topic: w.config.ros.stateTopic });
  }

  /** The flag goes with the states that follow, for the transition log and online adaptation; the gate ignores it. */
  #onConstraint(message: BoolMessage): void {
    const w = this.#wiring;
    if (w && this.#active) w.constraint = message.data ? 1 : 0;
  }

  #onCommand(message: unknown): void {
    const w = this.#wiring;
    if (!w || !this.#active) return;
    const ros = w.config.ros;
    const input = ros.command.read(message);
    const header = ros.command.headerOf(message);
    this.#warnIfUnstamped(w, 'command', header);
    if (header) {
      w.frameId = header.frame_id;
      w.lastProposal = input.ok && input.message.stampNs !== null ? { stampNs: input.message.stampNs, header } : null;
    }
    w.runner.accept('proposed', input, { topic: ros.commandInTopic });
    if (w.config.runtime.transport.tick === 'command') w.runner.tick();
  }

  #warnIfUnstamped(w: Wiring, kind: 'state' | 'command', header: Header | null): void {
    if (!header || !isUnstamped(header.stamp) || w.warnedUnstamped.has(kind)) return;
    w.warnedUnstamped.add(kind);
    this.#logger.warn(`${kind} messages carry no header.stamp: their age is judged from their arrival here, which hides delays before the node`);
  }

  /**
   * Publishes a decision. A command that passed keeps its proposal's stamp, so that the robot
   * judges its age from when the controller made it; a command the shield made is stamped now.
   */
  #deliver(action: Float64Array, source: DecisionSource, risk: number | null, stampNs: number): void {
    const w = this.#wiring;
    // A decision still in flight when the node was deactivated must not follow its neutral command.
    if (!w || !this.#active) return;
    const now = w.clock.nowNs();
    w.risk.publish({ data: risk ?? Number.NaN });
    const isStop = action.every((a, i) => a === w.neutral[i]);
    if (!w.quiet.admit(isStop, now)) {
      if (!w.announcedQuiet) {
        w.announcedQuiet = true;
        this.#logger.info(`published the stop for ${w.config.ros.stopPubTimeoutS} s; quiet until a command that moves`);
        this.#publishState();
      }
      return;
    }
    if (w.announcedQuiet) {
      w.announcedQuiet = false;
      this.#publishState();
    }
    const stamp = source !== 'task' ? nsToTime(now) : w.lastProposal?.stampNs === stampNs ? w.lastProposal.header.stamp : nsToTime(stampNs);
    this.#publishCommand(action, stamp);
  }

  #publishCommand(action: ArrayLike<number>, stamp: Header['stamp']): void {
    const w = this.#require();
    w.commandOut.publish(w.config.ros.command.write(action, { stamp, frame_id: w.frameId }));
  }

  #onToggle(request: SetBoolRequest, response: SetBoolResponse): SetBoolResponse {
    const w = this.#wiring;
    if (!w || !this.#active) {
      response.success = false;
      response.message = 'the shield node is not active';
      return response;
    }
    const shield = w.runtime.shield;
    const now = w.clock.nowNs();
    if (request.data) {
      shield.enable();
      w.bypassUntilNs = null;
      response.message = 'shield enabled: every command is gated';
      this.#logger.info(response.message);
    } else {
      w.bypassUntilNs = shield.bypass(now, shield.options.maxBypassS);
      response.message = `shield bypassed for ${shield.options.maxBypassS} s: valid commands pass unchecked until then or until ~/toggle enables it`;
      this.#logger.warn(response.message);
    }
    response.success = true;
    this.#publishState();
    return response;
  }

  #periodic(): void {
    const w = this.#require();
    const now = w.clock.nowNs();
    if (w.bypassUntilNs !== null && !w.runtime.shield.isBypassed(now)) {
      w.bypassUntilNs = null;
      this.#logger.info('the bypass expired: every command is gated again');
    }
    this.#publishState();
    w.diagnostics.publish(diagnosticsMessage(this.#status(w), this.#node.name(), nsToTime(now)));
    w.gateErrorsReported = w.runner.stats.gateErrors;
  }

  #status(w: Wiring): NodeStatus {
    const now = w.clock.nowNs();
    const shield = w.runtime.shield;
    const transport = w.runner.stats;
    return {
      status: w.runner.status(this.#active),
      transport,
      stats: w.runtime.gate.stats.snapshot(),
      transitionLog: w.runtime.transitionLog?.stats ?? null,
      bypassRemainingS: w.bypassUntilNs !== null && shield.isBypassed(now) ? (w.bypassUntilNs - now) / 1e9 : null,
      quiet: w.quiet.isQuiet(now),
      newGateErrors: transport.gateErrors - w.gateErrorsReported,
      bundle: w.config.runtime.bundle,
    };
  }

  #publishState(): void {
    const w = this.#wiring;
    if (w) w.shieldState.publish(shieldStateMessage(this.#status(w)));
  }
}

/** A configure that cannot succeed with these parameters or this bundle (lifecycle FAILURE, not ERROR). */
class NodeSetupError extends Error {}
