import { parse } from '@foxglove/rosmsg';
import type { McapTypes } from '@mcap/core';
import { LogError } from './errors.js';

export type Definitions = ReturnType<typeof parse>;
type Field = Definitions[number]['definitions'][number];

/** `sensor_msgs/msg/JointState` and `sensor_msgs/JointState` name the same type. */
export function sameRosType(a: string, b: string): boolean {
  const short = (t: string) => t.replace('/msg/', '/');
  return short(a) === short(b);
}

/**
 * The definitions of a `ros2msg` schema as rosbag2 stores them. Dependencies may be headed
 * `MSG: std_msgs/msg/Header` (rosbag2 since Iron) while fields say `std_msgs/Header`; the parser
 * matches names exactly, so the headings are shortened first.
 */
export function parseRos2Schema(schema: McapTypes.Schema, where: string): Definitions {
  if (schema.encoding !== 'ros2msg') {
    throw new LogError(`${where}: schema ${schema.name} is encoded as "${schema.encoding}"; only ROS 2 message definitions (ros2msg) can be read`);
  }
  const text = new TextDecoder().decode(schema.data).replace(/^MSG: ([^/\s]+)\/msg\/(\S+)/gm, 'MSG: $1/$2');
  try {
    return parse(text, { ros2: true });
  } catch (e) {
    throw new LogError(`${where}: the ${schema.name} definition in the file cannot be parsed: ${(e as Error).message}`);
  }
}

const NUMERIC = new Set(['bool', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64']);
const TIME_FIELDS: readonly Field[] = [
  { name: 'sec', type: 'int32', isComplex: false, isArray: false },
  { name: 'nanosec', type: 'uint32', isComplex: false, isArray: false },
];

/** Reads one number out of a decoded message; throws a `LogError` for an array element the message lacks. */
export type FieldGetter = (message: unknown) => number;

const SEGMENT = /^([a-z][a-z0-9_]*)(?:\[(\d+)\])?$/;

/**
 * Compiles a field path such as `position[1]` or `twist.linear.x` against a message definition,
 * so a path that does not fit fails before any message is read, with the fields that do exist.
 * Numbers and bools (as 0/1) can be read, and a `time`/`duration` (as seconds).
 */
export function compileFieldPath(definitions: Definitions, rootType: string, path: string, what: string): FieldGetter {
  let fields = definitions[0].definitions.filter((f) => !f.isConstant);
  let typeName = rootType;
  const steps: { name: string; index: number | null }[] = [];
  let leaf: Field | null = null;
  const segments = path.split('.');
  segments.forEach((segment, i) => {
    const m = SEGMENT.exec(segment);
    if (!m) throw new LogError(`${what}: "${path}": "${segment}" is not a field name with an optional [index]`);
    const [, name, indexText] = m;
    const field = fields.find((f) => f.name === name);
    if (!field) throw new LogError(`${what}: "${path}": ${typeName} has no field "${name}" (its fields: ${fields.map((f) => f.name).join(', ')})`);
    const index = indexText === undefined ? null : Number(indexText);
    if (field.isArray && index === null) throw new LogError(`${what}: "${path}": ${name} is an array of ${field.type}; name one element, e.g. ${name}[0]`);
    if (!field.isArray && index !== null) throw new LogError(`${what}: "${path}": ${name} is a single ${field.type}, not an array`);
    if (index !== null && field.arrayLength !== undefined && index >= field.arrayLength) {
      throw new LogError(`${what}: "${path}": ${name} has ${field.arrayLength} elements, so [${index}] is out of range`);
    }
    steps.push({ name, index });
    const last = i === segments.length - 1;
    if (field.type === 'time' || field.type === 'duration') {
      fields = [...TIME_FIELDS];
      typeName = field.type;
    } else if (field.isComplex) {
      const next = definitions.find((d) => d.name === field.type);
      if (!next) throw new LogError(`${what}: "${path}": the file has no definition of ${field.type}`);
      fields = next.definitions.filter((f) => !f.isConstant);
      typeName = field.type;
    } else if (!last) {
      throw new LogError(`${what}: "${path}": ${name} is a ${field.type} and has no fields`);
    }
    if (last) leaf = field;
  });
  const end = leaf as Field | null;
  if (!end) throw new LogError(`${what}: "${path}" names no field`);
  if (end.type === 'time' || end.type === 'duration') {
    const getStamp = walker(steps, path, what);
    return (message) => {
      const t = getStamp(message) as { sec: number; nanosec: number };
      return t.sec + t.nanosec * 1e-9;
    };
  }
  if (end.isComplex) throw new LogError(`${what}: "${path}" is a ${end.type}; name one of its number fields`);
  if (!NUMERIC.has(end.type)) throw new LogError(`${what}: "${path}" is a ${end.type}; only numbers and bools can be mapped`);
  const get = walker(steps, path, what);
  return (message) => Number(get(message));
}

function walker(steps: readonly { name: string; index: number | null }[], path: string, what: string): (message: unknown) => unknown {
  return (message) => {
    let value = message as Record<string, unknown>;
    for (const { name, index } of steps) {
      let next = value[name];
      if (index !== null) {
        const array = next as ArrayLike<unknown>;
        if (index >= array.length) throw new LogError(`${what}: "${path}": a message has ${array.length} elements in ${name}, so [${index}] does not exist`);
        next = array[index];
      }
      value = next as Record<string, unknown>;
    }
    return value;
  };
}
