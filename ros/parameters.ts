/**
 * The node's ROS parameters: what it declares (names, types, defaults, descriptions) and how
 * their values are validated. The shield's own settings go through the runtime's config schema,
 * so a value the YAML config refuses is refused here too, with the parameter's name.
 */
import { z } from 'zod';
import { ConfigError, configSchema, parseConfig, type ShieldConfig } from '../runtime/index.js';
import { COMMAND_TYPES, MappingError, STATE_TYPES, commandMapping, stateMapping, type CommandMapping, type StateMapping } from './field-mapping.js';
import { MSG } from './messages.js';

export type ParameterKind = 'string' | 'double' | 'integer' | 'bool' | 'string_array';
export type ParameterValue = string | number | boolean | readonly string[];

export interface ParameterSpec {
  readonly name: string;
  readonly kind: ParameterKind;
  readonly default: ParameterValue;
  readonly description: string;
  /** The values accepted, as `ros2 param describe` shows them. */
  readonly constraints?: string;
}

export const QOS_PROFILES = ['sensor_data', 'reliable', 'system_default'] as const;
export type QosProfile = (typeof QOS_PROFILES)[number];

const oneOf = (values: readonly string[]) => `one of: ${values.join(', ')}`;

/** The runtime config's defaults, so that the node's defaults cannot drift from the YAML config's. */
const DEFAULTS = parseConfig({ bundle: '-', log: { dir: '-' } });
const LOG = DEFAULTS.log!;
const ADAPT = DEFAULTS.adaptation;

/** Every parameter the node declares; all are read-only (a change needs a restart). */
export const SHIELD_NODE_PARAMETERS: readonly ParameterSpec[] = [
  { name: 'bundle', kind: 'string', default: '', description: 'model bundle folder (manifest.json, critic.onnx, recovery.onnx); a relative path is resolved against the working directory', constraints: 'required' },
  { name: 'engine', kind: 'string', default: 'onnxruntime', description: 'inference engine of the critic and recovery policy', constraints: oneOf(['onnxruntime', 'typescript']) },
  { name: 'eps_safe', kind: 'double', default: 0, description: 'risk threshold: the recovery policy acts when Q_risk(s, a) > eps_safe; 0 uses the bundle\'s eps_risk', constraints: '0, or in (0, 1)' },
  { name: 'fallback', kind: 'string', default: 'recovery', description: 'what acts when the risk cannot be evaluated (missing, stale or invalid input, inference error): the recovery policy when it can run, else the neutral action (hold); passthrough lets the proposal through', constraints: oneOf(['recovery', 'hold', 'passthrough']) },
  { name: 'hysteresis.enter', kind: 'double', default: 0, description: 'risk above which the recovery policy takes over; 0 uses eps_safe', constraints: '0, or in (0, 1)' },
  { name: 'hysteresis.exit', kind: 'double', default: 0, description: 'risk at or below which the task controller gets control back; 0 uses eps_safe', constraints: '0, or in (0, 1), at most hysteresis.enter' },
  { name: 'hysteresis.ticks', kind: 'integer', default: 1, description: 'consecutive decisions on the other side of the threshold before switching', constraints: '>= 1' },
  { name: 'max_state_age_ms', kind: 'double', default: 100, description: 'oldest usable state, judged on header.stamp (arrival time for messages without one)', constraints: '> 0' },
  { name: 'max_command_age_ms', kind: 'double', default: 100, description: 'oldest usable proposed command, judged like the state', constraints: '> 0' },
  { name: 'max_bypass_s', kind: 'double', default: 60, description: 'how long a bypass requested through ~/toggle lasts before the shield gates again by itself', constraints: '> 0' },
  { name: 'tick', kind: 'string', default: 'command', description: 'when the shield decides: on each proposed command, or at rate_hz with the latest inputs', constraints: oneOf(['command', 'rate']) },
  { name: 'rate_hz', kind: 'double', default: 50, description: 'decision rate when tick is rate', constraints: '> 0' },
  { name: 'state_topic', kind: 'string', default: 'odom', description: 'robot state input' },
  { name: 'state_type', kind: 'string', default: MSG.odometry, description: 'message type of the state', constraints: oneOf(STATE_TYPES) },
  { name: 'state_fields', kind: 'string_array', default: [], description: 'the state fields that make the shield\'s observation, in the bundle\'s order, e.g. [pose.pose.position.x, pose.pose.position.y] or [position[shoulder_joint], velocity[0]]', constraints: 'as many as the bundle\'s observation size' },
  { name: 'constraint_topic', kind: 'string', default: '', description: 'std_msgs/msg/Bool that is true while the robot violates its constraint (a bumper, a safety controller); the latest value goes with each state into the transition log and online adaptation; empty: none' },
  { name: 'state_qos', kind: 'string', default: 'sensor_data', description: 'QoS of the state subscription (sensor_data: best effort, depth 5)', constraints: oneOf(QOS_PROFILES) },
  { name: 'command_in_topic', kind: 'string', default: 'cmd_vel_in', description: 'the controller\'s proposed command' },
  { name: 'command_out_topic', kind: 'string', default: 'cmd_vel_out', description: 'the applied command, to the robot' },
  { name: 'command_type', kind: 'string', default: MSG.twistStamped, description: 'message type of the proposed and applied commands', constraints: oneOf(COMMAND_TYPES) },
  { name: 'command_fields', kind: 'string_array', default: [], description: 'the command fields the shield gates, in the bundle\'s action order, e.g. [twist.linear.x, twist.angular.z] or [data[0], data[1]]; a Twist\'s other components are published as 0', constraints: 'as many as the bundle\'s action size' },
  { name: 'command_qos', kind: 'string', default: 'reliable', description: 'QoS of the proposed and applied commands (reliable: reliable, volatile, depth 10)', constraints: oneOf(QOS_PROFILES) },
  { name: 'shield_state_topic', kind: 'string', default: '~/state', description: 'shield state (JSON in std_msgs/msg/String): source, risk, threshold, reason, bypass; on change and at 1 Hz' },
  { name: 'risk_topic', kind: 'string', default: '~/risk', description: 'Q_risk of each decision (std_msgs/msg/Float64; NaN when it could not be evaluated)' },
  { name: 'stop_pub_timeout_s', kind: 'double', default: 1, description: 'after a stop (the neutral command), it is published this long, then the node stays quiet until a command that moves, so that it does not fight teleoperation', constraints: '>= 0' },
  { name: 'autostart', kind: 'bool', default: true, description: 'configure and activate on start; set false when a lifecycle manager drives the node' },
  { name: 'log.dir', kind: 'string', default: '', description: 'folder of the transition log (rotating MCAP files of every decision); empty: no log' },
  { name: 'log.rotate_mb', kind: 'double', default: LOG.rotate_mb, description: 'start a new log file at this size', constraints: '> 0' },
  { name: 'log.rotate_s', kind: 'double', default: 0, description: 'start a new log file after this many seconds; 0: no time limit', constraints: '>= 0' },
  { name: 'log.flush_records', kind: 'integer', default: LOG.flush_records, description: 'close a chunk (it then survives a crash) after this many records', constraints: '>= 1' },
  { name: 'log.flush_ms', kind: 'double', default: LOG.flush_ms, description: '... or this many milliseconds after its first record', constraints: '> 0' },
  { name: 'log.max_queued_mb', kind: 'double', default: LOG.max_queued_mb, description: 'records are dropped (and counted) rather than queued beyond this when the disk stalls', constraints: '> 0' },
  { name: 'adaptation.enabled', kind: 'bool', default: ADAPT.enabled, description: 'online adaptation: a worker thread trains the critic and recovery policy on the transitions seen and swaps checked candidates in' },
  { name: 'adaptation.offline_data', kind: 'string', default: '', description: 'the offline test dataset (.arrow) trained on with the recorded transitions; empty: none' },
  { name: 'adaptation.candidate_dir', kind: 'string', default: '', description: 'where candidate bundles are written; empty: a new temporary folder' },
  { name: 'adaptation.gamma_safe', kind: 'double', default: 0, description: 'discount of the risk critic; 0: the bundle\'s gamma_risk', constraints: '0, or in (0, 1)' },
  { name: 'adaptation.tau_safe', kind: 'double', default: 0, description: 'Polyak rate of the critic\'s target network; 0: the training\'s', constraints: '0, or in (0, 1)' },
  { name: 'adaptation.iterations_per_candidate', kind: 'integer', default: ADAPT.iterations_per_candidate, description: 'updates between two candidates', constraints: '>= 1' },
  { name: 'adaptation.max_gap_ms', kind: 'double', default: ADAPT.max_gap_ms, description: 'two states further apart than this (by their stamps) make no transition', constraints: '> 0' },
  { name: 'adaptation.min_new_transitions', kind: 'integer', default: ADAPT.min_new_transitions, description: 'recorded transitions needed before the next round of updates', constraints: '>= 1' },
  { name: 'adaptation.keep_candidates', kind: 'integer', default: ADAPT.keep_candidates, description: 'candidate folders kept (the newest); older ones are deleted', constraints: '>= 2' },
  { name: 'adaptation.batch_size', kind: 'integer', default: ADAPT.batch_size, description: 'minibatch size of the updates', constraints: '>= 1' },
  { name: 'adaptation.held_out_fraction', kind: 'double', default: ADAPT.held_out_fraction, description: 'share of transitions kept out of training to check candidates', constraints: 'in (0, 1)' },
  { name: 'adaptation.min_recall', kind: 'double', default: ADAPT.min_recall, description: 'a candidate must still flag this share of the held-out violating transitions', constraints: 'in [0, 1]' },
  { name: 'adaptation.min_held_out_violations', kind: 'integer', default: ADAPT.min_held_out_violations, description: 'no candidate is swapped in before the held-out transitions hold this many violations', constraints: '>= 1' },
  { name: 'adaptation.parity_tolerance', kind: 'double', default: ADAPT.parity_tolerance, description: 'largest accepted difference between onnxruntime and TensorFlow.js risks of a candidate', constraints: '> 0' },
  { name: 'adaptation.seed', kind: 'integer', default: ADAPT.seed, description: 'seed of the adaptation worker', constraints: '>= 0' },
  // Off by default here, unlike the YAML config: the middleware's receive threads exist when the
  // runtime starts and would be lowered with the rest, and that has not been tried on a ROS 2 system.
  { name: 'adaptation.protect_control_thread', kind: 'bool', default: false, description: 'Linux: every other thread of the node (the middleware\'s too) at the lowest priority, so that training does not take the control thread\'s core' },
  { name: 'adaptation.control_cpu', kind: 'integer', default: -1, description: 'Linux, with protect_control_thread: the control thread alone on this CPU, every other thread of the node on the rest (-1: not pinned)', constraints: '>= -1' },
];

export interface ShieldNodeSettings {
  readonly stateTopic: string;
  readonly stateQos: QosProfile;
  readonly state: StateMapping;
  /** Null when no topic reports constraint violations. */
  readonly constraintTopic: string | null;
  readonly commandInTopic: string;
  readonly commandOutTopic: string;
  readonly commandQos: QosProfile;
  readonly command: CommandMapping;
  readonly shieldStateTopic: string;
  readonly riskTopic: string;
  readonly stopPubTimeoutS: number;
  readonly autostart: boolean;
}

export interface ShieldNodeConfig {
  /** The shield's settings as the runtime's YAML config would give them. */
  readonly runtime: ShieldConfig;
  readonly ros: ShieldNodeSettings;
}

const TOKEN = '[A-Za-z_{][A-Za-z0-9_{}]*';
const topicName = z.string().regex(new RegExp(`^(~/|/)?${TOKEN}(/${TOKEN})*$`), 'expected a ROS topic name such as cmd_vel, /robot/odom or ~/state');
const qos = z.enum(QOS_PROFILES);

const rosSchema = z.strictObject({
  state_topic: topicName,
  state_type: z.enum(STATE_TYPES),
  state_fields: z.array(z.string()),
  constraint_topic: z.union([z.literal(''), topicName]),
  state_qos: qos,
  command_in_topic: topicName,
  command_out_topic: topicName,
  command_type: z.enum(COMMAND_TYPES),
  command_fields: z.array(z.string()),
  command_qos: qos,
  shield_state_topic: topicName,
  risk_topic: topicName,
  stop_pub_timeout_s: z.number().min(0),
  autostart: z.boolean(),
});

const RUNTIME_PARAMETERS = new Set(['bundle', 'engine', 'eps_safe', 'fallback', 'hysteresis.enter', 'hysteresis.exit', 'hysteresis.ticks', 'max_state_age_ms', 'max_command_age_ms', 'max_bypass_s', 'tick', 'rate_hz']);
const isRuntimeParameter = (name: string) => RUNTIME_PARAMETERS.has(name) || name.startsWith('log.') || name.startsWith('adaptation.');

/** 0 and '' stand for "not set" in the parameters that default to another value: a ROS parameter cannot be null. */
const unlessZero = (v: unknown) => (v === 0 ? undefined : v);
const unlessEmpty = (v: unknown) => (v === '' ? undefined : v);

/** The object without its undefined entries, as a YAML config that leaves keys out. */
const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

function runtimeConfigOf(v: Readonly<Record<string, unknown>>): unknown {
  const enter = unlessZero(v['hysteresis.enter']);
  const exit = unlessZero(v['hysteresis.exit']);
  const ticks = v['hysteresis.ticks'];
  return {
    bundle: v.bundle,
    shield: defined({
      eps_safe: unlessZero(v.eps_safe),
      fallback: v.fallback,
      engine: v.engine,
      hysteresis: enter === undefined && exit === undefined && ticks === 1 ? null : defined({ enter, exit, ticks }),
      max_state_age_ms: v.max_state_age_ms,
      max_command_age_ms: v.max_command_age_ms,
      max_bypass_s: v.max_bypass_s,
    }),
    transport: { tick: v.tick, rate_hz: v.rate_hz },
    log: unlessEmpty(v['log.dir']) === undefined
      ? null
      : defined({
          dir: v['log.dir'],
          rotate_mb: v['log.rotate_mb'],
          rotate_s: unlessZero(v['log.rotate_s']),
          flush_records: v['log.flush_records'],
          flush_ms: v['log.flush_ms'],
          max_queued_mb: v['log.max_queued_mb'],
        }),
    adaptation: defined({
      enabled: v['adaptation.enabled'],
      offline_data: unlessEmpty(v['adaptation.offline_data']) ?? null,
      candidate_dir: unlessEmpty(v['adaptation.candidate_dir']),
      gamma_safe: unlessZero(v['adaptation.gamma_safe']),
      tau_safe: unlessZero(v['adaptation.tau_safe']),
      iterations_per_candidate: v['adaptation.iterations_per_candidate'],
      max_gap_ms: v['adaptation.max_gap_ms'],
      min_new_transitions: v['adaptation.min_new_transitions'],
      keep_candidates: v['adaptation.keep_candidates'],
      batch_size: v['adaptation.batch_size'],
      held_out_fraction: v['adaptation.held_out_fraction'],
      min_recall: v['adaptation.min_recall'],
      min_held_out_violations: v['adaptation.min_held_out_violations'],
      parity_tolerance: v['adaptation.parity_tolerance'],
      seed: v['adaptation.seed'],
      protect_control_thread: v['adaptation.protect_control_thread'],
      control_cpu: v['adaptation.control_cpu'] === -1 ? null : v['adaptation.control_cpu'],
    }),
  };
}

/** `shield.hysteresis.enter` in the runtime config is the parameter `hysteresis.enter`. */
function parameterOf(path: readonly PropertyKey[]): string {
  const keys = path[0] === 'shield' || path[0] === 'transport' ? path.slice(1) : path;
  return keys.map(String).join('.') || '(parameters)';
}

/**
 * Validates the node's parameter values (as declared: names of `SHIELD_NODE_PARAMETERS`) and
 * compiles the message mappings. Throws a `ConfigError` that names every wrong parameter.
 */
export function parseNodeParameters(values: Readonly<Record<string, unknown>>): ShieldNodeConfig {
  const problems: string[] = [];
  const runtime = configSchema.safeParse(runtimeConfigOf(values));
  if (!runtime.success) problems.push(...runtime.error.issues.map((i) => `${parameterOf(i.path)}: ${i.message}`));
  const rosValues = Object.fromEntries(Object.entries(values).filter(([k]) => !isRuntimeParameter(k)));
  const ros = rosSchema.safeParse(rosValues);
  let state: StateMapping | null = null;
  let command: CommandMapping | null = null;
  if (!ros.success) problems.push(...ros.error.issues.map((i) => `${i.path.map(String).join('.') || '(parameters)'}: ${i.message}`));
  else {
    const r = ros.data;
    state = compiled(problems, () => stateMapping(r.state_type, r.state_fields));
    command = compiled(problems, () => commandMapping(r.command_type, r.command_fields));
    if (r.command_in_topic === r.command_out_topic) problems.push(`command_out_topic: the applied command must not go to the topic it is read from (${r.command_in_topic})`);
  }
  if (problems.length > 0 || !runtime.success || !ros.success || !state || !command) throw new ConfigError(`ROS parameters: ${problems.join('; ')}`);
  const r = ros.data;
  return {
    runtime: runtime.data,
    ros: {
      stateTopic: r.state_topic,
      stateQos: r.state_qos,
      state,
      constraintTopic: r.constraint_topic === '' ? null : r.constraint_topic,
      commandInTopic: r.command_in_topic,
      commandOutTopic: r.command_out_topic,
      commandQos: r.command_qos,
      command,
      shieldStateTopic: r.shield_state_topic,
      riskTopic: r.risk_topic,
      stopPubTimeoutS: r.stop_pub_timeout_s,
      autostart: r.autostart,
    },
  };
}

function compiled<M>(problems: string[], build: () => M): M | null {
  try {
    return build();
  } catch (e) {
    if (!(e instanceof MappingError)) throw e;
    problems.push(e.message);
    return null;
  }
}

/** The declared defaults, for tests and for checking a parameters file. */
export function defaultParameterValues(): Record<string, ParameterValue> {
  return Object.fromEntries(SHIELD_NODE_PARAMETERS.map((p) => [p.name, p.default]));
}

/** Names in `names` that the node does not declare (a typo in a parameters file is otherwise ignored by ROS). */
export function undeclaredParameters(names: Iterable<string>): string[] {
  const declared = new Set(SHIELD_NODE_PARAMETERS.map((p) => p.name));
  return [...names].filter((n) => !declared.has(n) && !n.startsWith('qos_overrides.') && n !== 'use_sim_time');
}
