import { open } from 'node:fs/promises';
import { ros2humble } from '@foxglove/rosmsg-msgs-common';
import { MessageWriter } from '@foxglove/rosmsg2-serialization';
import { McapWriter } from '@mcap/core';
import { FileHandleWritable } from '@mcap/nodejs';

type Definition = (typeof ros2humble)[keyof typeof ros2humble];
type CommonType = keyof typeof ros2humble;

/** `sensor_msgs/msg/JointState` → the common-definitions key `sensor_msgs/JointState`. */
const commonKey = (type: string) => type.replace('/msg/', '/') as CommonType;

function dependencies(root: Definition): Definition[] {
  const found = new Map<string, Definition>();
  const visit = (d: Definition) => {
    for (const f of d.definitions) {
      const type = f.type === 'time' ? 'builtin_interfaces/Time' : f.isComplex ? f.type : null;
      if (type === null || found.has(type)) continue;
      const dep = ros2humble[commonKey(type)];
      found.set(type, dep);
      visit(dep);
    }
  };
  visit(root);
  return [...found.values()];
}

/**
 * The `ros2msg` text rosbag2 stores for a type: its .msg text, then each dependency after a line of
 * 80 `=` and a `MSG:` heading (`std_msgs/Header`, or `std_msgs/msg/Header` as newer rosbag2 writes).
 */
export function ros2msgText(type: string, options: { msgInfix: boolean }): string {
  const root = ros2humble[commonKey(type)];
  const body = (d: Definition) =>
    d.definitions
      .map((f) => `${f.type === 'time' ? 'builtin_interfaces/Time' : f.type}${f.isArray ? `[${f.arrayLength ?? ''}]` : ''} ${f.name}`)
      .join('\n');
  const heading = (name: string) => (options.msgInfix ? name.replace('/', '/msg/') : name);
  return [body(root), ...dependencies(root).map((d) => `${'='.repeat(80)}\nMSG: ${heading(d.name ?? '')}\n${body(d)}`)].join('\n');
}

export interface BagMessage {
  readonly topic: string;
  /** Nanoseconds since the epoch. */
  readonly logTime: bigint;
  readonly message: unknown;
}

export interface BagOptions {
  /** Topic → ROS 2 type, e.g. { '/joint_states': 'sensor_msgs/msg/JointState' }. */
  readonly topics: Readonly<Record<string, string>>;
  readonly messages: readonly BagMessage[];
  /** `MSG: pkg/msg/Type` headings (rosbag2 since Iron) instead of `MSG: pkg/Type`. */
  readonly msgInfix?: boolean;
  /** Label every chunk with this compression (its bytes stay uncompressed): for testing the error. */
  readonly fakeCompression?: string;
}

/**
 * Writes a rosbag2-style MCAP bag (profile ros2, ros2msg schemas, CDR messages serialized by
 * `@foxglove/rosmsg2-serialization` from the common ROS 2 Humble definitions).
 */
export async function writeBag(path: string, options: BagOptions): Promise<void> {
  const handle = await open(path, 'w');
  try {
    const writer = new McapWriter({
      writable: new FileHandleWritable(handle),
      chunkSize: 2048,
      ...(options.fakeCompression ? { compressChunk: (data: Uint8Array) => ({ compression: options.fakeCompression as string, compressedData: data }) } : {}),
    });
    await writer.start({ profile: 'ros2', library: 'test rosbag2 fixture' });
    const channels = new Map<string, { id: number; serializer: MessageWriter }>();
    for (const [topic, type] of Object.entries(options.topics)) {
      const root = ros2humble[commonKey(type)];
      const schemaId = await writer.registerSchema({ name: type, encoding: 'ros2msg', data: new TextEncoder().encode(ros2msgText(type, { msgInfix: options.msgInfix ?? false })) });
      const id = await writer.registerChannel({ topic, schemaId, messageEncoding: 'cdr', metadata: new Map([['offered_qos_profiles', '']]) });
      channels.set(topic, { id, serializer: new MessageWriter([root, ...dependencies(root)]) });
    }
    let sequence = 0;
    for (const m of options.messages) {
      const channel = channels.get(m.topic);
      if (!channel) throw new Error(`writeBag: ${m.topic} is not in topics`);
      await writer.addMessage({ channelId: channel.id, sequence: sequence++, logTime: m.logTime, publishTime: m.logTime, data: channel.serializer.writeMessage(m.message) });
    }
    await writer.end();
  } finally {
    await handle.close();
  }
}

/** A ROS 2 header whose stamp is `ns` nanoseconds since the epoch. */
export function header(ns: bigint, frameId = 'base_link') {
  return { stamp: { sec: Number(ns / 1_000_000_000n), nanosec: Number(ns % 1_000_000_000n) }, frame_id: frameId };
}
