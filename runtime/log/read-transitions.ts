import type { TickRecord } from '../core/decision.js';
import { LogError } from './errors.js';
import { scanMcap, type McapChannelInfo, type McapScanResult } from './mcap-scan.js';
import { TRANSITION_SCHEMA_NAME, TRANSITION_TOPIC, transitionDecoder } from './transition-message.js';

/** True for the channel a `TransitionLogWriter` writes. */
export function isTransitionChannel({ channel, schema }: McapChannelInfo): boolean {
  return channel.topic === TRANSITION_TOPIC && schema?.name === TRANSITION_SCHEMA_NAME;
}

/**
 * Calls `onTick` for every record of a transition log, in file order, including the records of a
 * file cut off by a crash (the result says whether it was closed cleanly; one cut off before its
 * first channel simply has no records). Any other file without a transition channel is an error
 * naming the topics it has.
 */
export async function forEachTick(path: string, onTick: (tick: TickRecord, logTimeNs: bigint) => void): Promise<McapScanResult> {
  const decoders = new Map<number, (data: Uint8Array) => TickRecord>();
  const scan = await scanMcap(path, {
    channel(info) {
      if (!isTransitionChannel(info) || !info.schema) return;
      if (info.schema.encoding !== 'ros2msg' || info.channel.messageEncoding !== 'cdr') {
        throw new LogError(`${path}: ${TRANSITION_TOPIC} has schema encoding "${info.schema.encoding}" and message encoding "${info.channel.messageEncoding}", not ros2msg/cdr`);
      }
      decoders.set(info.channel.id, transitionDecoder(new TextDecoder().decode(info.schema.data), path));
    },
    message(message) {
      const decode = decoders.get(message.channelId);
      if (decode) onTick(decode(message.data), message.logTime);
    },
  });
  const cutBeforeAnyChannel = !scan.complete && scan.channels.size === 0;
  if (!cutBeforeAnyChannel && ![...scan.channels.values()].some(isTransitionChannel)) {
    const topics = [...scan.channels.values()].map((c) => c.channel.topic);
    throw new LogError(
      `${path}: not a mesa-shield transition log: it has no ${TRANSITION_TOPIC} channel (topics: ${topics.length ? topics.join(', ') : 'none'}); ` +
        'a rosbag2 bag is read through a mapping with format: rosbag2',
    );
  }
  return scan;
}

export interface TransitionLog {
  readonly records: TickRecord[];
  readonly scan: McapScanResult;
}

/** Every record of one transition log file, in memory. */
export async function readTransitionLog(path: string): Promise<TransitionLog> {
  const records: TickRecord[] = [];
  const scan = await forEachTick(path, (tick) => records.push(tick));
  return { records, scan };
}
