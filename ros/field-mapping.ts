/**
 * How the shield's vectors are read out of ROS 2 messages and written back: pure functions on
 * the node's own message types, chosen by parameters. A field path names one number the way
 * `ros2 topic echo` shows it: `pose.pose.position.x`, `twist.linear.x`, `position[2]`,
 * `velocity[left_wheel_joint]` (a JointState element by joint name), `data[0]`. The one derived
 * field is `pose.pose.orientation.yaw`, the heading of an Odometry pose.
 *
 * Reading never throws: it returns the vector with the message's header stamp (null when the
 * message has no header or an unstamped one, and the transport stamps it on arrival), or why the
 * message cannot be used, which the shield then treats as an invalid input.
 */
import type { DecodeResult } from '../runtime/transport/index.js';
import { MSG, type Float64MultiArray, type Header, type JointState, type Odometry, type Twist, type TwistStamped } from './messages.js';
import { isUnstamped, timeToNs } from './time.js';

export const STATE_TYPES = [MSG.odometry, MSG.jointState, MSG.float64MultiArray] as const;
export type StateType = (typeof STATE_TYPES)[number];
export const COMMAND_TYPES = [MSG.twistStamped, MSG.twist, MSG.float64MultiArray] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

export class MappingError extends Error {
  override readonly name = 'MappingError';
}

export interface StateMapping {
  readonly type: StateType;
  readonly fields: readonly string[];
  read(message: unknown): DecodeResult;
}

export interface CommandMapping {
  readonly type: CommandType;
  readonly fields: readonly string[];
  read(message: unknown): DecodeResult;
  /** The message carrying `values` in the mapped fields; a Twist's unmapped components are 0. */
  write(values: ArrayLike<number>, header: Header): Twist | TwistStamped | Float64MultiArray;
  /** The header of a command message, when its type has one. */
  headerOf(message: unknown): Header | null;
}

/** Reads one number; throws a `FieldUnavailable` when this message lacks it. */
type Getter<M> = (message: M) => number;

class FieldUnavailable extends Error {}

const AXES = ['x', 'y', 'z'] as const;
type Part = 'linear' | 'angular';
type Axis = (typeof AXES)[number];

function twistPaths(prefix: string): Map<string, [Part, Axis]> {
  const paths = new Map<string, [Part, Axis]>();
  for (const part of ['linear', 'angular'] as const) for (const axis of AXES) paths.set(`${prefix}${part}.${axis}`, [part, axis]);
  return paths;
}

const TWIST_PATHS = twistPaths('');
const TWIST_STAMPED_PATHS = twistPaths('twist.');

function yaw(q: { x: number; y: number; z: number; w: number }): number {
  return Math.atan2(2 * (q.w * q.z + q.x * q.y), 1 - 2 * (q.y * q.y + q.z * q.z));
}

const ODOMETRY_GETTERS = new Map<string, Getter<Odometry>>([
  ...AXES.map((a) => [`pose.pose.position.${a}`, (m: Odometry) => m.pose.pose.position[a]] as const),
  ...(['x', 'y', 'z', 'w'] as const).map((a) => [`pose.pose.orientation.${a}`, (m: Odometry) => m.pose.pose.orientation[a]] as const),
  ['pose.pose.orientation.yaw', (m: Odometry) => yaw(m.pose.pose.orientation)] as const,
  ...[...twistPaths('twist.twist.')].map(([path, [part, axis]]) => [path, (m: Odometry) => m.twist.twist[part][axis]] as const),
]);

const ODOMETRY_HELP = 'pose.pose.position.{x,y,z}, pose.pose.orientation.{x,y,z,w,yaw}, twist.twist.{linear,angular}.{x,y,z}';
const JOINT_STATE_HELP = 'position[i], velocity[i] or effort[i], where i is an index or a joint name';
const DATA_HELP = 'data[i] with an index i';

function element(array: ArrayLike<number> | undefined, index: number, what: string): number {
  if (!array || index >= array.length) throw new FieldUnavailable(`${what}: the message has ${array?.length ?? 0} values`);
  return array[index];
}

function jointStateGetter(path: string): Getter<JointState> | null {
  const m = /^(position|velocity|effort)\[(.+)\]$/.exec(path);
  if (!m) return null;
  const array = m[1] as 'position' | 'velocity' | 'effort';
  const key = m[2];
  if (/^\d+$/.test(key)) {
    const index = Number(key);
    return (msg) => element(msg[array], index, path);
  }
  return (msg) => {
    const index = msg.name.indexOf(key);
    if (index < 0) throw new FieldUnavailable(`${path}: no joint named "${key}" in the message`);
    return element(msg[array], index, path);
  };
}

function dataIndex(path: string): number | null {
  const m = /^data\[(\d+)\]$/.exec(path);
  return m ? Number(m[1]) : null;
}

function compile<M>(what: string, type: string, fields: readonly string[], getterFor: (path: string) => Getter<M> | null, help: string): Getter<M>[] {
  if (fields.length === 0) throw new MappingError(`${what}: name at least one field of ${type} (${help})`);
  return fields.map((path, i) => {
    const getter = getterFor(path);
    if (!getter) throw new MappingError(`${what}[${i}]: ${type} has no number field "${path}"; fields are ${help}`);
    return getter;
  });
}

function refuse(error: string): DecodeResult {
  return { ok: false, error };
}

/** The vector of `getters` applied to `message`, stamped with its header (null: the transport stamps it on arrival). */
function readVector<M>(message: M, getters: readonly Getter<M>[], fields: readonly string[], header: Header | null): DecodeResult {
  const values = new Float64Array(getters.length);
  try {
    for (let i = 0; i < getters.length; i++) {
      const v = getters[i](message);
      if (typeof v !== 'number' || !Number.isFinite(v)) return refuse(`${fields[i]} is ${String(v)}`);
      values[i] = v;
    }
  } catch (e) {
    if (e instanceof FieldUnavailable) return refuse(e.message);
    return refuse(`not a message of the configured type (${e instanceof Error ? e.message : String(e)})`);
  }
  if (header === null || isUnstamped(header.stamp)) return { ok: true, message: { values, stampNs: null } };
  const stampNs = timeToNs(header.stamp);
  if (!(stampNs >= 0)) return refuse(`header.stamp ${header.stamp.sec} s ${header.stamp.nanosec} ns is before the epoch`);
  return { ok: true, message: { values, stampNs } };
}

/** The state vector from a JointState, Odometry or Float64MultiArray; `what` names the setting in errors. */
export function stateMapping(type: StateType, fields: readonly string[], what = 'state_fields'): StateMapping {
  switch (type) {
    case MSG.odometry: {
      const getters = compile<Odometry>(what, type, fields, (p) => ODOMETRY_GETTERS.get(p) ?? null, ODOMETRY_HELP);
      return { type, fields, read: (m) => readVector(m as Odometry, getters, fields, (m as Odometry).header) };
    }
    case MSG.jointState: {
      const getters = compile<JointState>(what, type, fields, jointStateGetter, JOINT_STATE_HELP);
      return { type, fields, read: (m) => readVector(m as JointState, getters, fields, (m as JointState).header) };
    }
    case MSG.float64MultiArray: {
      const getters = compile<Float64MultiArray>(what, type, fields, (p) => {
        const index = dataIndex(p);
        return index === null ? null : (m) => element(m.data, index, p);
      }, DATA_HELP);
      return { type, fields, read: (m) => readVector(m as Float64MultiArray, getters, fields, null) };
    }
  }
}

function checkDistinct(what: string, fields: readonly string[]): void {
  fields.forEach((f, i) => {
    const first = fields.indexOf(f);
    if (first !== i) throw new MappingError(`${what}[${i}]: "${f}" is already ${what}[${first}]; each field of the command can carry one element`);
  });
}

function twistMapping(type: typeof MSG.twist | typeof MSG.twistStamped, fields: readonly string[], what: string): CommandMapping {
  const paths = type === MSG.twist ? TWIST_PATHS : TWIST_STAMPED_PATHS;
  const help = `${type === MSG.twist ? '' : 'twist.'}{linear,angular}.{x,y,z}`;
  const slots = fields.map((p) => paths.get(p));
  const getters = compile<Twist>(what, type, fields, (p) => {
    const slot = paths.get(p);
    return slot ? (t) => t[slot[0]][slot[1]] : null;
  }, help);
  checkDistinct(what, fields);
  const twistOf = (m: unknown): Twist => (type === MSG.twist ? (m as Twist) : (m as TwistStamped).twist);
  const headerOf = (m: unknown): Header | null => (type === MSG.twist ? null : (m as TwistStamped).header);
  return {
    type,
    fields,
    read: (m) => readVector(twistOf(m), getters, fields, headerOf(m)),
    write(values, header) {
      const twist: Twist = { linear: { x: 0, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0 } };
      slots.forEach((slot, i) => {
        twist[slot![0]][slot![1]] = values[i];
      });
      return type === MSG.twist ? twist : { header, twist };
    },
    headerOf,
  };
}

/**
 * A Float64MultiArray command must be gated whole: the fields name every element, each once
 * (`data[0]` … `data[n-1]` in any order), and a proposal of another length is refused.
 */
function arrayCommandMapping(fields: readonly string[], what: string): CommandMapping {
  const type = MSG.float64MultiArray;
  const indices = fields.map(dataIndex);
  const getters = compile<Float64MultiArray>(what, type, fields, (p) => {
    const index = dataIndex(p);
    return index === null ? null : (m) => m.data[index];
  }, DATA_HELP);
  checkDistinct(what, fields);
  indices.forEach((index, i) => {
    if (index! >= fields.length) throw new MappingError(`${what}[${i}]: data[${index}] leaves an element unmapped; a command of ${fields.length} elements is data[0] to data[${fields.length - 1}], each gated`);
  });
  return {
    type,
    fields,
    read(m) {
      const n = (m as Float64MultiArray).data?.length;
      if (n !== fields.length) return refuse(`data has ${n ?? 0} values, the command mapping gates ${fields.length}`);
      return readVector(m as Float64MultiArray, getters, fields, null);
    },
    write(values) {
      const data = new Array<number>(fields.length);
      indices.forEach((index, i) => {
        data[index!] = values[i];
      });
      return { layout: { dim: [], data_offset: 0 }, data };
    },
    headerOf: () => null,
  };
}

/** The command vector read from, and written into, a TwistStamped, Twist or Float64MultiArray. */
export function commandMapping(type: CommandType, fields: readonly string[], what = 'command_fields'): CommandMapping {
  return type === MSG.float64MultiArray ? arrayCommandMapping(fields, what) : twistMapping(type, fields, what);
}
