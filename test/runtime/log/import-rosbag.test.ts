import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { LogError, importLogs, inspectLog, loadMapping, parseMapping, type LogMapping } from '../../../runtime/log/index.js';
import type { Dataset } from '../../../training/data/index.js';
import { tempDir } from '../../support/datasets.js';
import { header, writeBag, type BagMessage } from '../../support/rosbag.js';

const tmp = tempDir();
after(tmp.remove);

const T0 = 1_795_600_800_000_000_000n;
const at = (ms: number) => T0 + BigInt(ms) * 1_000_000n;

/**
 * A bag with joint states every 10 ms (k = 0..9 at 0..90 ms, then k = 10..14 at 300..340 ms, a gap
 * in between), commands at 5, 25, 45, 65, 85, 205, 305 and 325 ms, a collision flag that is true
 * only at 50 ms, an episode reset at 310 ms, and a battery level at 0, 40, 80 and 300 ms.
 * Joint state k: position [k/10, -k/10], velocity [k, 2k]. Command j: linear.x = j, angular.z = 10j.
 */
const JOINT_MS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 300, 310, 320, 330, 340];
const COMMAND_MS = [5, 25, 45, 65, 85, 205, 305, 325];
const messages: BagMessage[] = [
  ...JOINT_MS.map((ms, k) => ({
    topic: '/joint_states',
    logTime: at(ms),
    message: { header: header(at(ms)), name: ['left', 'right'], position: [k / 10, -k / 10], velocity: [k, 2 * k], effort: [] },
  })),
  ...COMMAND_MS.map((ms, j) => ({
    topic: '/cmd_vel',
    logTime: at(ms),
    message: { header: header(at(ms)), twist: { linear: { x: j, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 10 * j } } },
  })),
  ...[30, 50, 70].map((ms) => ({ topic: '/collision', logTime: at(ms), message: { data: ms === 50 } })),
  { topic: '/episode_reset', logTime: at(310), message: {} },
  ...[0, 40, 80, 300].map((ms) => ({ topic: '/battery', logTime: at(ms), message: { data: 12 - ms / 1000 } })),
].sort((a, b) => Number(a.logTime - b.logTime));

const topics = {
  '/joint_states': 'sensor_msgs/msg/JointState',
  '/cmd_vel': 'geometry_msgs/msg/TwistStamped',
  '/collision': 'std_msgs/msg/Bool',
  '/episode_reset': 'std_msgs/msg/Empty',
  '/battery': 'std_msgs/msg/Float64',
};

const mapping = {
  format: 'rosbag2',
  observation: { topic: '/joint_states', type: 'sensor_msgs/msg/JointState', fields: ['position[0]', 'position[1]', 'velocity[1]'] },
  action: { topic: '/cmd_vel', type: 'geometry_msgs/msg/TwistStamped', fields: ['twist.linear.x', 'twist.angular.z'] },
  constraint: { topic: '/collision', type: 'std_msgs/msg/Bool', field: 'data', equals: true },
  sync: { mode: 'latest-before', max_gap_ms: 50 },
  episode: { reset_topic: '/episode_reset' },
};

const bags: Record<string, string> = {};
before(async () => {
  bags.plain = join(tmp.dir, 'robot.mcap');
  await writeBag(bags.plain, { topics, messages });
  bags.iron = join(tmp.dir, 'robot-iron.mcap');
  await writeBag(bags.iron, { topics, messages, msgInfix: true });
  bags.zstd = join(tmp.dir, 'robot-zstd.mcap');
  await writeBag(bags.zstd, { topics, messages, fakeCompression: 'zstd' });
});

const rows = (d: Dataset, key: 'obs' | 'action' | 'nextObs') => {
  const width = key === 'action' ? d.meta.actionSize : d.meta.observationSize;
  return Array.from({ length: d.meta.size }, (_, i) => Array.from(d.transitions[key].subarray(i * width, (i + 1) * width)));
};
const f32 = (xs: number[]) => xs.map(Math.fround);
const joint = (k: number) => f32([k / 10, -k / 10, 2 * k]);

async function importWith(overrides: Record<string, unknown>, file = bags.plain) {
  return importLogs([file], parseMapping({ ...mapping, ...overrides }, 'test mapping'), { mappingName: 'test mapping' });
}

async function rejectsWith(run: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(run, (e: unknown) => (e instanceof LogError && pattern.test(e.message) ? true : assert.fail(`unexpected error: ${String(e)}`)));
}

describe('rosbag2 import through a mapping', () => {
  it('aligns each command with the latest joint state before it; next_obs, constraint and done as documented', async () => {
    const { dataset: d, report } = await importWith({});
    // Steps at 5, 25, 45, 65, 85 pair up (4 transitions); the 85 → 205 and 205 → 305 pairs lack a recent
    // observation (the last joint state before 205 ms is 115 ms old); 305 → 325 spans the reset at 310.
    assert.deepEqual([d.meta.size, d.meta.observationSize, d.meta.actionSize], [4, 3, 2]);
    assert.deepEqual(rows(d, 'obs'), [0, 2, 4, 6].map(joint));
    assert.deepEqual(rows(d, 'nextObs'), [2, 4, 6, 8].map(joint));
    assert.deepEqual(rows(d, 'action'), [0, 1, 2, 3].map((j) => [j, 10 * j]));
    assert.deepEqual(Array.from(d.transitions.constraint), [0, 0, 1, 0], 'the collision at 50 ms lies between the commands at 45 and 65 ms');
    assert.deepEqual(Array.from(d.transitions.done), [0, 0, 1, 0]);
    assert.deepEqual(Array.from(d.transitions.reward), [0, 0, 0, 0]);
    assert.equal(d.meta.violations, 1);
    assert.equal(d.meta.domain, 'external');
    assert.match(d.meta.source, /log import of robot\.mcap \(mapping test mapping\)/);
    assert.match(d.meta.notes ?? '', /"reset_topic":"\/episode_reset"/);
    assert.deepEqual(report.skipped, { noObservation: 2, gap: 0, reset: 1, nonFinite: 0, afterViolation: 0, end: 1 });
    assert.equal(report.steps, 8);
    assert.deepEqual(report.files.map((f) => f.complete), [true]);
  });

  it('concatenates several observation topics, and reads bags whose definitions say MSG: pkg/msg/Type', async () => {
    const { dataset: d } = await importWith(
      {
        observation: [
          { topic: '/joint_states', type: 'sensor_msgs/JointState', fields: ['velocity[0]'] },
          { topic: '/battery', type: 'std_msgs/msg/Float64', fields: ['data'] },
        ],
        episode: {},
        sync: { max_gap_ms: 50 },
      },
      bags.iron,
    );
    // The battery is at most 50 ms old for the commands at 5, 25, 45, 65, 85 (0, 0, 40, 40, 80) and 305 and 325 (300).
    assert.deepEqual(rows(d, 'obs'), [
      f32([0, 12]),
      f32([2, 12]),
      f32([4, 11.96]),
      f32([6, 11.96]),
      f32([10, 11.7]),
    ]);
    assert.equal(d.meta.observationSize, 2);
  });

  it('uses header stamps when sync.time is header, and says which topic has none', async () => {
    const { dataset } = await importWith({ constraint: null, episode: {}, sync: { max_gap_ms: 50, time: 'header' } });
    assert.equal(dataset.meta.size, 5);
    await rejectsWith(() => importWith({ sync: { max_gap_ms: 50, time: 'header' } }), /sync\.time is header, but \/collision \(std_msgs\/msg\/Bool\).*no field "header"/);
  });

  it('reads the complete records of a bag cut off in its summary or mid-chunk', async () => {
    const cut = join(tmp.dir, 'cut.mcap');
    copyFileSync(bags.plain, cut);
    truncateSync(cut, readFileSync(cut).byteLength - 700);
    const { report } = await importWith({ episode: {} }, cut);
    assert.deepEqual(report.files.map((f) => f.complete), [false]);
    const whole = await inspectLog(bags.plain);
    const halved = join(tmp.dir, 'halved.mcap');
    copyFileSync(bags.plain, halved);
    truncateSync(halved, Math.floor(whole.bytes / 2));
    const summary = await inspectLog(halved);
    assert.equal(summary.closedCleanly, false);
    assert.equal(summary.kind, 'mcap');
    assert.ok(summary.messages > 0 && summary.messages < whole.messages, `${summary.messages} of ${whole.messages} messages`);
    assert.ok(summary.unreadBytes > 0);
  });

  it('explains a mapping that does not fit the bag', async () => {
    await rejectsWith(() => importWith({ action: { ...mapping.action, topic: '/cmd_vel_out' } }), /action\.topic: \/cmd_vel_out is in none of the logs; their topics: .*\/cmd_vel \(geometry_msgs\/msg\/TwistStamped\)/);
    await rejectsWith(() => importWith({ action: { ...mapping.action, type: 'geometry_msgs/msg/Twist' } }), /action\.type: geometry_msgs\/msg\/Twist, but \/cmd_vel in .*robot\.mcap carries geometry_msgs\/msg\/TwistStamped/);
    const field = (fields: string[]) => importWith({ observation: { ...mapping.observation, fields } });
    await rejectsWith(() => field(['positon[0]']), /observation\.fields\[0\]: "positon\[0\]": sensor_msgs\/msg\/JointState has no field "positon" \(its fields: header, name, position, velocity, effort\)/);
    await rejectsWith(() => field(['position']), /observation\.fields\[0\]: "position": position is an array of float64; name one element, e.g\. position\[0\]/);
    await rejectsWith(() => field(['name[0]']), /"name\[0\]" is a string; only numbers and bools can be mapped/);
    await rejectsWith(() => field(['header.frame_id']), /"header\.frame_id" is a string/);
    await rejectsWith(() => field(['header[0]']), /header is a single std_msgs\/Header, not an array/);
    await rejectsWith(() => field(['velocity[1]', 'position[2]']), /\/joint_states message at log time \d+: .*observation\.fields\[1\]: "position\[2\]": a message has 2 elements in position/);
    await rejectsWith(() => importWith({ episode: { reset_topic: '/reset' } }), /episode\.reset_topic: \/reset is in none of the logs/);
    await rejectsWith(() => importWith({ sync: { max_gap_ms: 1 } }), /no transitions: 0 transitions \(0 violations\) from 8 steps; not used: 7 without a recent observation.*larger sync\.max_gap_ms/);
  });

  it('says how to read a bag with compressed chunks', async () => {
    await rejectsWith(() => importWith({}, bags.zstd), /chunks are compressed with zstd.*--output-compression none/);
  });

  it('validates the mapping file, naming the key path', () => {
    const write = (name: string, value: unknown) => {
      const path = join(tmp.dir, name);
      writeFileSync(path, typeof value === 'string' ? value : stringify(value));
      return path;
    };
    const expectError = (path: string, pattern: RegExp) =>
      assert.throws(() => loadMapping(path), (e: unknown) => (e instanceof LogError && pattern.test(e.message) ? true : assert.fail(`unexpected error: ${String(e)}`)));
    const good: LogMapping = loadMapping(write('good.yaml', mapping));
    assert.equal(good.format, 'rosbag2');
    expectError(write('typo.yaml', { ...mapping, action: { ...mapping.action, feilds: [] } }), /typo\.yaml: action: Unrecognized key: "feilds"/);
    expectError(write('field.yaml', { ...mapping, observation: { ...mapping.observation, fields: ['position[0]', 'velocity.0'] } }), /observation\.fields\[1\]: expected a field path/);
    expectError(write('list.yaml', { ...mapping, observation: [mapping.observation, { ...mapping.observation, topic: 'joint_states' }] }), /observation\[1\]\.topic: expected a topic name starting with "\/"/);
    expectError(write('two.yaml', { ...mapping, constraint: { ...mapping.constraint, above: 0.5 } }), /constraint: give exactly one of above, below or equals/);
    expectError(write('format.yaml', { ...mapping, format: 'rosbag' }), /format: /);
    expectError(write('bad.yaml', 'format: [shield'), /bad\.yaml: not valid YAML/);
    expectError(join(tmp.dir, 'missing.yaml'), /missing\.yaml: ENOENT/);
  });
});
