import { parse } from '@foxglove/rosmsg';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import type { DecisionReason, DecisionSource, TickInput, TickRecord } from '../core/decision.js';
import { LogError } from './errors.js';

/**
 * A transition log holds one channel of ROS 2 messages, `mesa_shield_msgs/msg/Transition`, CDR
 * encoded, with the message definition stored in the file (`ros2msg`): Foxglove, `ros2 bag` and
 * any ROS 2 MCAP reader decode it without mesa-shield, and a fixed binary layout keeps a record at
 * about 100 bytes plus 8 per vector element.
 */
export const TRANSITION_TOPIC = '/mesa_shield/transitions';
export const TRANSITION_SCHEMA_NAME = 'mesa_shield_msgs/msg/Transition';

/** The codes are part of the file format: never renumber one; a new value takes the next free code. */
const SOURCE_CODES: Readonly<Record<DecisionSource, number>> = { task: 0, recovery: 1, fallback: 2 };
const REASON_CODES: Readonly<Record<DecisionReason, number>> = {
  'risk-acceptable': 0,
  'risk-too-high': 1,
  hysteresis: 2,
  'shield-bypassed': 3,
  'state-missing': 4,
  'state-stale': 5,
  'state-invalid': 6,
  'command-missing': 7,
  'command-stale': 8,
  'command-invalid': 9,
  'model-not-loaded': 10,
  'inference-error': 11,
  'risk-invalid': 12,
};
const CONSTRAINT_NOT_REPORTED = -1;
const NO_STATE_STAMP = -1;

const constantName = (prefix: string, value: string) => `${prefix}_${value.toUpperCase().replaceAll('-', '_')}`;
const valueOfConstant = (prefix: string, name: string) => name.slice(prefix.length + 1).toLowerCase().replaceAll('_', '-');

const constants = (prefix: string, codes: Readonly<Record<string, number>>) =>
  Object.entries(codes).map(([value, code]) => `uint8 ${constantName(prefix, value)}=${code}`);

/** The message definition as stored in every transition log (`ros2msg` schema encoding). */
export const TRANSITION_DEFINITION = [
  '# One control tick of the mesa-shield safety shield.',
  '# Who produced the applied action:',
  ...constants('SOURCE', SOURCE_CODES),
  '# Why the shield decided as it did:',
  ...constants('REASON', REASON_CODES),
  `int8 CONSTRAINT_NOT_REPORTED=${CONSTRAINT_NOT_REPORTED}`,
  '',
  "# Time of the tick on the shield's clock, nanoseconds.",
  'int64 t_ns',
  'float64[] observation',
  "# The controller's proposed action and the action the shield applied.",
  'float64[] proposed',
  'float64[] applied',
  '# Q_risk(observation, proposed); NaN when it was not evaluated.',
  'float64 risk',
  'uint8 source',
  'uint8 reason',
  '# The constraint flag the robot reported with this observation: 1 violated, 0 not, -1 not reported.',
  'int8 constraint',
  '# The stamp of the observation (nanoseconds since the Unix epoch; -1: no observation): ticks',
  '# with one stamp decided in one state.',
  'int64 state_stamp_ns',
  '# The robot marked the observation as the first of an episode.',
  'bool episode_start',
  '',
].join('\n');

/** Bytes of the CDR encapsulation header (little-endian CDR). */
const HEADER = 4;

/**
 * Encodes tick records into one reusable buffer, without allocating per record: the byte layout is
 * what `@foxglove/rosmsg2-serialization` writes for `TRANSITION_DEFINITION` (a test pins the two
 * together).
 */
export class TransitionEncoder {
  #buffer = new ArrayBuffer(512);
  #view = new DataView(this.#buffer);

  /** The encoded record; a view that the next call overwrites. */
  encode(record: TickInput): Uint8Array {
    const elements = record.observation.length + record.proposed.length + record.applied.length;
    this.#reserve(HEADER + 8 + 3 * 16 + 8 * elements + 8 + 3 + 5 + 8 + 1);
    const v = this.#view;
    v.setUint32(0, 0x00010000, false);
    let at = this.#int64(0, record.tNs);
    at = this.#float64Sequence(at, record.observation);
    at = this.#float64Sequence(at, record.proposed);
    at = this.#float64Sequence(at, record.applied);
    at = this.#pad(at, 8);
    v.setFloat64(HEADER + at, record.risk ?? Number.NaN, true);
    at += 8;
    v.setUint8(HEADER + at, SOURCE_CODES[record.source]);
    v.setUint8(HEADER + at + 1, REASON_CODES[record.reason]);
    v.setInt8(HEADER + at + 2, record.constraint ?? CONSTRAINT_NOT_REPORTED);
    at = this.#pad(at + 3, 8);
    at = this.#int64(at, record.stateStampNs ?? NO_STATE_STAMP);
    v.setUint8(HEADER + at, record.episodeStart ? 1 : 0);
    return new Uint8Array(this.#buffer, 0, HEADER + at + 1);
  }

  #reserve(bytes: number): void {
    if (bytes <= this.#buffer.byteLength) return;
    this.#buffer = new ArrayBuffer(2 * bytes);
    this.#view = new DataView(this.#buffer);
  }

  /** CDR aligns each primitive to its size, counted from the end of the encapsulation header. */
  #pad(at: number, alignment: number): number {
    while (at % alignment !== 0) this.#view.setUint8(HEADER + at++, 0);
    return at;
  }

  /** Two 32-bit halves: exact for every safe integer, and no BigInt per record. */
  #int64(at: number, value: number): number {
    const t = Math.round(value);
    const high = Math.floor(t / 2 ** 32);
    this.#view.setUint32(HEADER + at, t - high * 2 ** 32, true);
    this.#view.setInt32(HEADER + at + 4, high, true);
    return at + 8;
  }

  #float64Sequence(at: number, values: ArrayLike<number>): number {
    at = this.#pad(at, 4);
    this.#view.setUint32(HEADER + at, values.length, true);
    at += 4;
    if (values.length === 0) return at;
    at = this.#pad(at, 8);
    for (let i = 0; i < values.length; i++, at += 8) this.#view.setFloat64(HEADER + at, values[i], true);
    return at;
  }
}

interface RawTransition {
  readonly t_ns: bigint;
  readonly observation: ArrayLike<number>;
  readonly proposed: ArrayLike<number>;
  readonly applied: ArrayLike<number>;
  readonly risk: number;
  readonly source: number;
  readonly reason: number;
  readonly constraint: number;
  /** Absent in logs written before the state stamp was recorded. */
  readonly state_stamp_ns?: bigint;
  readonly episode_start?: boolean;
}

/**
 * A decoder for the transition messages of one file, built from the definition stored in that
 * file: codes are named by the file's own constants, so a log keeps its meaning whatever order a
 * later version lists its reasons in.
 */
export function transitionDecoder(definitionText: string, where: string): (data: Uint8Array) => TickRecord {
  let definitions;
  try {
    definitions = parse(definitionText, { ros2: true });
  } catch (e) {
    throw new LogError(`${where}: the ${TRANSITION_SCHEMA_NAME} definition in the file cannot be parsed: ${(e as Error).message}`);
  }
  const fields = definitions[0].definitions;
  const codeTable = <T extends string>(prefix: string, known: Readonly<Record<T, number>>): Map<number, T> => {
    const table = new Map<number, T>();
    for (const f of fields) {
      if (!f.isConstant || !f.name.startsWith(`${prefix}_`)) continue;
      const value = valueOfConstant(prefix, f.name);
      if (value in known) table.set(Number(f.value), value as T);
    }
    return table;
  };
  const sources = codeTable('SOURCE', SOURCE_CODES);
  const reasons = codeTable('REASON', REASON_CODES);
  const reader = new MessageReader<RawTransition>(definitions);
  return (data) => {
    const m = reader.readMessage(data);
    const source = sources.get(m.source);
    const reason = reasons.get(m.reason);
    if (source === undefined || reason === undefined) {
      throw new LogError(`${where}: a transition has source code ${m.source} and reason code ${m.reason}, which this version of mesa-shield does not know`);
    }
    return {
      tNs: Number(m.t_ns),
      observation: Float64Array.from(m.observation),
      proposed: Float64Array.from(m.proposed),
      applied: Float64Array.from(m.applied),
      risk: Number.isNaN(m.risk) ? null : m.risk,
      source,
      reason,
      ...(m.constraint === 0 || m.constraint === 1 ? { constraint: m.constraint } : {}),
      ...(m.state_stamp_ns !== undefined && m.state_stamp_ns !== BigInt(NO_STATE_STAMP) ? { stateStampNs: Number(m.state_stamp_ns) } : {}),
      ...(m.episode_start ? { episodeStart: true } : {}),
    };
  };
}
