import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { readBundle } from '../../models/format/index.js';
import { TransitionLogWriter } from '../../runtime/log/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/datasets.js';
import { header, writeBag } from '../support/rosbag.js';
import { tick } from '../support/ticks.js';

const tmp = tempDir();
const path = (name: string) => join(tmp.dir, name);

async function shieldLog(name: string, count: number, observationSize: number): Promise<string> {
  const writer = new TransitionLogWriter({ dir: path(name), flush_records: 25 });
  for (let i = 0; i < count; i++) writer.append(tick(i, observationSize, 2));
  return (await writer.close()).files[0];
}

const T0 = 1_795_600_800_000_000_000n;
const at = (ms: number) => T0 + BigInt(ms) * 1_000_000n;

describe('mesa-shield log inspect / log import / adapt --from-log', () => {
  const files: Record<string, string> = {};

  before(async () => {
    const collect = runCli(['collect', '--domain', 'navigation1', '--out', path('nav'), '--train-size', '200', '--envs', '2', '--test-size', '200']);
    assert.equal(collect.status, 0, collect.stderr);
    const train = runCli(['train', '--method', 'multitask', '--data', path('nav'), '--out', path('bundle'), '--iterations', '2']);
    assert.equal(train.status, 0, train.stderr);
    files.log = await shieldLog('log', 300, 2);
    files.wide = await shieldLog('wide', 100, 3);
    files.cut = path('cut.mcap');
    copyFileSync(files.log, files.cut);
    truncateSync(files.cut, Math.floor(readFileSync(files.cut).byteLength * 0.6));
    files.bag = path('robot.mcap');
    await writeBag(files.bag, {
      topics: { '/odom_xy': 'geometry_msgs/msg/PointStamped', '/cmd_vel': 'geometry_msgs/msg/TwistStamped', '/bumper': 'std_msgs/msg/Bool' },
      messages: Array.from({ length: 200 }, (_, k) => [
        { topic: '/odom_xy', logTime: at(10 * k), message: { header: header(at(10 * k)), point: { x: Math.sin(k / 10), y: Math.cos(k / 10), z: 0 } } },
        { topic: '/cmd_vel', logTime: at(10 * k + 5), message: { header: header(at(10 * k + 5)), twist: { linear: { x: 0.5, y: 0, z: 0 }, angular: { x: 0, y: 0, z: k % 2 ? 0.3 : -0.3 } } } },
        { topic: '/bumper', logTime: at(10 * k + 7), message: { data: k % 40 === 39 } },
      ]).flat(),
    });
    files.mapping = path('mapping.yaml');
    writeFileSync(
      files.mapping,
      stringify({
        format: 'rosbag2',
        observation: { topic: '/odom_xy', type: 'geometry_msgs/msg/PointStamped', fields: ['point.x', 'point.y'] },
        action: { topic: '/cmd_vel', type: 'geometry_msgs/msg/TwistStamped', fields: ['twist.linear.x', 'twist.angular.z'] },
        constraint: { topic: '/bumper', type: 'std_msgs/msg/Bool', field: 'data', equals: true },
        sync: { max_gap_ms: 20 },
      }),
    );
    files.notMcap = path('notes.txt');
    writeFileSync(files.notMcap, 'hello');
  });

  it('has --help on the new commands, and adapt documents --from-log', () => {
    for (const args of [['log', 'inspect'], ['log', 'import'], ['adapt']]) {
      const r = runCli([...args, '--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Usage: mesa-shield ${args.join(' ')}`));
    }
    assert.match(runCli(['adapt', '--help']).stdout, /--from-log <files\.\.\.>[\s\S]*--mapping <yaml>/);
  });

  it('inspects a transition log', () => {
    const r = runCli(['log', 'inspect', files.log]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /mesa-shield transition log \(profile ros2/);
    assert.match(r.stdout, /closed cleanly\s+yes/);
    assert.match(r.stdout, /ticks: 300 \(obs size 2, action size 2\)/);
    assert.match(r.stdout, /by source\s+task 180 \(60\.0%\), recovery 60 \(20\.0%\), fallback 60 \(20\.0%\)/);
    assert.match(r.stdout, /interventions\s+60 ticks in 60 stretches/);
    assert.match(r.stdout, /fallbacks by reason\s+(state-stale 30, model-not-loaded 30|model-not-loaded 30, state-stale 30)/);
    assert.match(r.stdout, /\/mesa_shield\/transitions\s+mesa_shield_msgs\/msg\/Transition\s+cdr\s+300/);
  });

  it('inspects a log cut off by a crash, and a rosbag2 bag', () => {
    const cut = runCli(['log', 'inspect', files.cut, '--json']);
    assert.equal(cut.status, 0, cut.stderr);
    const summary = JSON.parse(cut.stdout) as { closedCleanly: boolean; unreadBytes: number; shield: { ticks: number } };
    assert.equal(summary.closedCleanly, false);
    assert.ok(summary.shield.ticks > 0 && summary.shield.ticks < 300, `${summary.shield.ticks} ticks recovered`);
    assert.match(runCli(['log', 'inspect', files.cut]).stdout, /closed cleanly\s+no: recovered from truncation/);
    const bag = runCli(['log', 'inspect', files.bag]);
    assert.equal(bag.status, 0, bag.stderr);
    assert.match(bag.stdout, /MCAP \(profile ros2, library test rosbag2 fixture\)/);
    assert.match(bag.stdout, /\/cmd_vel\s+geometry_msgs\/msg\/TwistStamped\s+cdr\s+200\s+100\.0 Hz/);
    assert.doesNotMatch(bag.stdout, /ticks:/);
    const bad = runCli(['log', 'inspect', files.notMcap]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /notes\.txt: not an MCAP file/);
  });

  it('imports logs into a dataset file', () => {
    const out = path('from-bag.arrow');
    const r = runCli(['log', 'import', files.bag, '--mapping', files.mapping, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    // The bumper fires at k = 39, 79, 119, 159 and 199; the last one comes after the last command.
    assert.match(r.stdout, /199 transitions \(4 violations\) from 200 steps; obs size 2, action size 2/);
    const inspect = runCli(['data', 'inspect', out, '--json']);
    assert.equal(inspect.status, 0, inspect.stderr);
    assert.equal((JSON.parse(inspect.stdout) as { meta: { source: string } }).meta.source, `log import of robot.mcap (mapping ${files.mapping})`);
  });

  it('adapts a bundle from shield logs (one of them cut off) and from a rosbag2 bag', async () => {
    const fromLogs = runCli(['adapt', '--bundle', path('bundle'), '--from-log', files.log, files.cut, '--out', path('adapted-log'), '--iterations', '3']);
    assert.equal(fromLogs.status, 0, fromLogs.stderr);
    assert.match(fromLogs.stderr, /cut\.mcap was not closed cleanly/);
    assert.match(fromLogs.stderr, /from logs: \d+ transitions/);
    const { manifest } = await readBundle(path('adapted-log'));
    assert.deepEqual(manifest.provenance.datasets.slice(-2), [files.log, files.cut]);
    assert.equal(manifest.provenance.iterations.adapt, 3);
    assert.match(manifest.provenance.command ?? '', /--from-log .*log.*cut\.mcap --out/);

    const fromBag = runCli(['adapt', '--bundle', path('bundle'), '--from-log', files.bag, '--mapping', files.mapping, '--out', path('adapted-bag'), '--iterations', '3']);
    assert.equal(fromBag.status, 0, fromBag.stderr);
    assert.ok(existsSync(join(path('adapted-bag'), 'manifest.json')));
  });

  it('explains data options that do not fit', () => {
    const adapt = (...args: string[]) => runCli(['adapt', '--bundle', path('bundle'), '--out', path('never'), '--iterations', '1', ...args]);
    const both = adapt('--data', path('nav'), '--from-log', files.log);
    assert.equal(both.status, 1);
    assert.match(both.stderr, /exactly one of --data <path> or --from-log <files\.\.\.>, not both/);
    const neither = adapt();
    assert.equal(neither.status, 1);
    assert.match(neither.stderr, /exactly one of --data/);
    assert.match(adapt('--data', path('nav'), '--mapping', files.mapping).stderr, /--mapping applies to --from-log only/);
    const bagWithoutMapping = adapt('--from-log', files.bag);
    assert.equal(bagWithoutMapping.status, 2);
    assert.match(bagWithoutMapping.stderr, /robot\.mcap: not a mesa-shield transition log.*format: rosbag2/);
    const wide = adapt('--from-log', files.wide);
    assert.equal(wide.status, 2);
    assert.match(wide.stderr, /obs 3\/act 2, but the bundle's models take obs 2\/act 2/);
    assert.equal(existsSync(path('never')), false);
  });
});
