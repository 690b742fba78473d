import { MessageReader } from '@foxglove/rosmsg2-serialization';
import type { McapTypes } from '@mcap/core';
import { LogError } from './errors.js';
import type { RecordingImport } from './import-shield.js';
import { observationTopics, type ConstraintMapping, type RosbagMapping } from './mapping.js';
import { scanMcap, type McapChannelInfo, type McapScanResult } from './mcap-scan.js';
import { pairSteps, type Step, type Transition } from './pair-steps.js';
import { compileFieldPath, parseRos2Schema, sameRosType, type FieldGetter } from './ros2-fields.js';

/** Messages of one mapped role, with their times (ns); sorted before use. */
interface Series<T> {
  t: number[];
  v: T[];
}

/** A mapped role: where it is in the mapping (for errors), its topic and type, and what to read. */
interface Role {
  readonly key: string;
  readonly topic: string;
  readonly type: string;
  readonly fields: readonly { readonly key: string; readonly path: string }[];
  readonly record: (t: number, values: Float64Array) => void;
}

function violates(c: ConstraintMapping, value: number): boolean {
  if (c.above !== undefined) return value > c.above;
  if (c.below !== undefined) return value < c.below;
  return value === Number(c.equals);
}

function sortSeries<T>(s: Series<T>): Series<T> {
  const order = s.t.map((_, i) => i).sort((a, b) => s.t[a] - s.t[b] || a - b);
  return { t: order.map((i) => s.t[i]), v: order.map((i) => s.v[i]) };
}

/** Index of the last time <= t in sorted times, or -1. */
function latestAtOrBefore(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * rosbag2 MCAP bags: decodes the mapped topics' CDR messages with the definitions stored in each
 * bag, reads the mapped fields, and aligns every action message with the latest observation at or
 * before it. Files are read in turn and their messages merged by time.
 */
export async function importRosbags(files: readonly string[], mapping: RosbagMapping, mappingName: string): Promise<RecordingImport> {
  const observed = observationTopics(mapping);
  const obsKey = (i: number) => (Array.isArray(mapping.observation) ? `observation[${i}]` : 'observation');
  const obsSeries: Series<Float64Array>[] = observed.map(() => ({ t: [], v: [] }));
  const actionSeries: Series<Float64Array> = { t: [], v: [] };
  const constraintSeries: Series<boolean> = { t: [], v: [] };
  const resetTimes: number[] = [];

  const roles: Role[] = [
    ...observed.map((o, i) => ({
      key: obsKey(i),
      topic: o.topic,
      type: o.type,
      fields: o.fields.map((path, j) => ({ key: `${obsKey(i)}.fields[${j}]`, path })),
      record: (t: number, v: Float64Array) => (obsSeries[i].t.push(t), obsSeries[i].v.push(v)),
    })),
    {
      key: 'action',
      topic: mapping.action.topic,
      type: mapping.action.type,
      fields: mapping.action.fields.map((path, j) => ({ key: `action.fields[${j}]`, path })),
      record: (t, v) => (actionSeries.t.push(t), actionSeries.v.push(v)),
    },
  ];
  const c = mapping.constraint;
  if (c) {
    roles.push({
      key: 'constraint',
      topic: c.topic,
      type: c.type,
      fields: [{ key: 'constraint.field', path: c.field }],
      record: (t, v) => (constraintSeries.t.push(t), constraintSeries.v.push(violates(c, v[0]))),
    });
  }
  const resetTopic = mapping.episode.reset_topic;
  const useHeader = mapping.sync.time === 'header';
  const seenTopics = new Map<string, string>();
  const scans: McapScanResult[] = [];

  for (const file of files) {
    /** Per channel: its decoder, header-stamp reader, and the roles it serves with their field readers. */
    const readers = new Map<number, { decode: (data: Uint8Array) => unknown; stamp: FieldGetter | null; roles: { role: Role; getters: FieldGetter[] }[]; reset: boolean }>();
    const prepare = ({ channel, schema }: McapChannelInfo) => {
      seenTopics.set(channel.topic, schema?.name ?? '(no schema)');
      const mine = roles.filter((r) => r.topic === channel.topic);
      const reset = channel.topic === resetTopic;
      if (mine.length === 0 && !reset) return;
      if (!schema || channel.messageEncoding !== 'cdr') {
        throw new LogError(`${file}: ${channel.topic} is encoded as "${channel.messageEncoding}"${schema ? '' : ' without a schema'}; only ROS 2 CDR messages can be mapped`);
      }
      for (const r of mine) {
        if (!sameRosType(r.type, schema.name)) {
          throw new LogError(`mapping ${mappingName}: ${r.key}.type: ${r.type}, but ${channel.topic} in ${file} carries ${schema.name}`);
        }
      }
      const definitions = parseRos2Schema(schema, `${file}: ${channel.topic}`);
      const reader = new MessageReader(definitions);
      readers.set(channel.id, {
        decode: (data) => reader.readMessage(data),
        stamp: useHeader ? compileFieldPath(definitions, schema.name, 'header.stamp', `mapping ${mappingName}: sync.time is header, but ${channel.topic} (${schema.name})`) : null,
        roles: mine.map((role) => ({ role, getters: role.fields.map((f) => compileFieldPath(definitions, schema.name, f.path, `mapping ${mappingName}: ${f.key}`)) })),
        reset,
      });
    };
    scans.push(
      await scanMcap(file, {
        channel: prepare,
        message(message: McapTypes.Message, { channel }: McapChannelInfo) {
          const r = readers.get(message.channelId);
          if (!r) return;
          try {
            // A reset message needs decoding only for its header stamp.
            const decoded = r.roles.length > 0 || r.stamp ? r.decode(message.data) : null;
            const t = r.stamp ? r.stamp(decoded) * 1e9 : Number(message.logTime);
            if (r.reset) resetTimes.push(t);
            for (const { role, getters } of r.roles) role.record(t, Float64Array.from(getters, (get) => get(decoded)));
          } catch (e) {
            if (e instanceof LogError) throw new LogError(`${file}: ${channel.topic} message at log time ${message.logTime}: ${e.message}`);
            throw new LogError(`${file}: a ${channel.topic} message cannot be decoded with the bag's definition: ${(e as Error).message}`);
          }
        },
      }),
    );
  }

  const topicList = () => [...seenTopics].map(([t, type]) => `${t} (${type})`).join(', ') || 'none';
  for (const r of roles) {
    if (!seenTopics.has(r.topic)) throw new LogError(`mapping ${mappingName}: ${r.key}.topic: ${r.topic} is in none of the logs; their topics: ${topicList()}`);
  }
  if (resetTopic !== undefined && !seenTopics.has(resetTopic)) {
    throw new LogError(`mapping ${mappingName}: episode.reset_topic: ${resetTopic} is in none of the logs; their topics: ${topicList()}`);
  }

  const maxGapNs = mapping.sync.max_gap_ms * 1e6;
  const obs = obsSeries.map(sortSeries);
  const actions = sortSeries(actionSeries);
  const violations = sortSeries(constraintSeries);
  const observationSize = observed.reduce((n, o) => n + o.fields.length, 0);
  const steps: Step[] = actions.t.map((t, k) => {
    const parts: Float64Array[] = [];
    for (const s of obs) {
      const i = latestAtOrBefore(s.t, t);
      if (i < 0 || t - s.t[i] > maxGapNs) return { t, obs: null, action: actions.v[k] };
      parts.push(s.v[i]);
    }
    const vector = new Float64Array(observationSize);
    let at = 0;
    for (const p of parts) {
      vector.set(p, at);
      at += p.length;
    }
    return { t, obs: vector, action: actions.v[k] };
  });
  /** A violation reported in (t_k, t_k+1]. */
  const constraintBetween = (k: number): 0 | 1 => {
    for (let i = latestAtOrBefore(violations.t, steps[k].t) + 1; i < violations.t.length && violations.t[i] <= steps[k + 1].t; i++) {
      if (violations.v[i]) return 1;
    }
    return 0;
  };
  const transitions: Transition[] = [];
  const skipped = pairSteps(steps, { maxGapNs, resets: [...resetTimes].sort((a, b) => a - b), constraint: constraintBetween }, (tr) => transitions.push(tr));
  const notes = mapping.constraint ? [] : ['the mapping names no constraint topic: every transition has constraint 0'];
  return { observationSize, actionSize: mapping.action.fields.length, transitions, steps: steps.length, skipped, scans, notes };
}
