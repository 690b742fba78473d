import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { TickRecord } from '../../../runtime/core/decision.js';
import { SHIELD_MAPPING, TransitionLogWriter, importLogs, inspectLog, parseMapping } from '../../../runtime/log/index.js';
import type { Dataset } from '../../../training/data/index.js';
import { tempDir } from '../../support/datasets.js';
import { tick } from '../../support/ticks.js';

const tmp = tempDir();
after(tmp.remove);
let folders = 0;

async function logOf(records: readonly TickRecord[], options: { rotate_mb?: number } = {}): Promise<readonly string[]> {
  const writer = new TransitionLogWriter({ dir: join(tmp.dir, `log-${folders++}`), flush_records: 16, ...options });
  for (const r of records) writer.append(r);
  return (await writer.close()).files;
}

const row = (d: Dataset, key: 'obs' | 'action' | 'nextObs', i: number) => {
  const width = key === 'action' ? d.meta.actionSize : d.meta.observationSize;
  return Array.from(d.transitions[key].subarray(i * width, (i + 1) * width));
};
const f32 = (xs: ArrayLike<number>) => Array.from(xs, Math.fround);

describe("import of the shield's own transition logs", () => {
  it('makes (observation, applied action, next observation) from consecutive ticks; the constraint is the one reported with the next observation; nothing starts from a violation', async () => {
    const ticks = Array.from({ length: 50 }, (_, i) => tick(i));
    const { dataset: d, report } = await importLogs(await logOf(ticks), SHIELD_MAPPING, { mappingName: 'default' });
    assert.equal(d.meta.size, 45, '49 pairs less the 4 that start in a violating tick (11, 22, 33, 44; multiples of 7 report nothing)');
    for (const [i, k] of [[0, 0], [10, 10], [11, 12], [44, 48]]) {
      assert.deepEqual(row(d, 'obs', i), f32(ticks[k].observation));
      assert.deepEqual(row(d, 'action', i), f32(ticks[k].applied));
      assert.deepEqual(row(d, 'nextObs', i), f32(ticks[k + 1].observation));
      assert.equal(d.transitions.constraint[i], ticks[k + 1].constraint ?? 0);
      assert.equal(d.transitions.done[i], d.transitions.constraint[i]);
    }
    assert.equal(d.meta.violations, 4);
    assert.equal(d.meta.policy, 'shield log (applied actions)');
    assert.match(d.meta.notes ?? '', /8 of 50 ticks carry no constraint flag/);
    assert.match(d.meta.notes ?? '', /50 of 50 ticks carry no state stamp/);
    assert.deepEqual(report.skipped, { noObservation: 0, gap: 0, reset: 0, nonFinite: 0, afterViolation: 4, end: 1 });
  });

  it('takes ticks that share a state stamp as one state, with the last action taken in it, and ends episodes where the robot says', async () => {
    const ticks: TickRecord[] = [];
    for (let k = 0; k < 12; k++) {
      for (let j = 0; j < 4; j++) ticks.push({ ...tick(4 * k + j), observation: Float64Array.of(k, 0, 0), stateStampNs: k * 1e7, constraint: 0, ...(k === 6 ? { episodeStart: true } : {}) });
    }
    const { dataset: d, report } = await importLogs(await logOf(ticks), SHIELD_MAPPING, { mappingName: 'default' });
    assert.equal(report.steps, 12);
    assert.deepEqual(report.skipped, { noObservation: 0, gap: 0, reset: 1, nonFinite: 0, afterViolation: 0, end: 1 });
    assert.equal(d.meta.size, 10);
    assert.deepEqual(row(d, 'obs', 0), [0, 0, 0]);
    assert.deepEqual(row(d, 'action', 0), f32(ticks[3].applied), 'the fourth command sent in state 0 is the one that led to state 1');
    assert.deepEqual(row(d, 'nextObs', 0), [1, 0, 0]);
    assert.deepEqual(row(d, 'obs', 5), [6, 0, 0], 'the pair 5 -> 6 crosses the episode start: row 5 starts in state 6');
    assert.doesNotMatch(d.meta.notes ?? '', /state stamp/);
  });

  it('reads rotated files as one run, takes proposed actions when asked, and does not pair ticks across a time gap', async () => {
    const ticks = Array.from({ length: 300 }, (_, i) => tick(i));
    const late = ticks.map((t, i) => (i < 150 ? t : { ...t, tNs: t.tNs + 10e9 }));
    const files = await logOf(late, { rotate_mb: 2 / 1024 });
    assert.ok(files.length > 3);
    const { dataset: d, report } = await importLogs(files, parseMapping({ format: 'shield', action: 'proposed', sync: { max_gap_ms: 100 } }, 'm'), { mappingName: 'm' });
    assert.equal(report.skipped.gap, 1);
    assert.equal(report.skipped.afterViolation, 24, 'multiples of 11 that are not multiples of 7 report a violation');
    assert.equal(d.meta.size, 299 - 1 - 24);
    const k = 219; // rows before it: 219 pairs less the gap and the 17 violations below 219
    assert.deepEqual(row(d, 'action', k - 1 - 17), f32(ticks[k].proposed), 'the pair 149 → 150 was dropped');
  });

  it('leaves out ticks of another size and transitions with non-finite values', async () => {
    const ticks = Array.from({ length: 20 }, (_, i) => tick(i));
    ticks[5] = { ...ticks[5], observation: Float64Array.of(1) };
    ticks[12] = { ...ticks[12], observation: Float64Array.of(Number.NaN, 0, 0) };
    const { dataset: d, report } = await importLogs(await logOf(ticks), SHIELD_MAPPING, { mappingName: 'default' });
    assert.equal(d.meta.observationSize, 3);
    assert.deepEqual(report.skipped, { noObservation: 2, gap: 0, reset: 0, nonFinite: 1, afterViolation: 1, end: 1 });
    assert.equal(d.meta.size, 15, '19 pairs less 4 (11 -> 12 starts in a violation, 12 -> 13 from a NaN)');
  });

  it('takes a log cut off before its header as one without ticks', async () => {
    const [file] = await logOf(Array.from({ length: 30 }, (_, i) => tick(i)));
    const bytes = readFileSync(file);
    const empty = join(tmp.dir, 'empty.mcap');
    const headerless = join(tmp.dir, 'headerless.mcap');
    writeFileSync(empty, '');
    writeFileSync(headerless, bytes.subarray(0, 20));
    const { dataset, report } = await importLogs([empty, headerless, file], SHIELD_MAPPING, { mappingName: 'default' });
    assert.equal(dataset.meta.size, 27, '29 pairs less those from the violating ticks 11 and 22');
    assert.deepEqual(report.files.map((f) => f.complete), [false, false, true]);
    const s = await inspectLog(empty);
    assert.deepEqual([s.closedCleanly, s.messages, s.channels.length], [false, 0, 0]);
  });

  it('summarizes a log: ticks by source and reason, interventions, fallbacks, risk and violations', async () => {
    const ticks = Array.from({ length: 100 }, (_, i) => tick(i));
    const [file] = await logOf(ticks);
    const s = await inspectLog(file);
    assert.equal(s.kind, 'shield');
    assert.equal(s.closedCleanly, true);
    assert.equal(s.messages, 100);
    assert.deepEqual(s.channels.map((c) => [c.topic, c.type, c.encoding, c.messages]), [['/mesa_shield/transitions', 'mesa_shield_msgs/msg/Transition', 'cdr', 100]]);
    assert.equal(s.metadata.mesa_shield.format_version, '2');
    const shield = s.shield;
    assert.ok(shield);
    assert.deepEqual(shield.bySource, { task: 60, recovery: 20, fallback: 20 });
    assert.deepEqual(shield.interventions, { ticks: 20, episodes: 20 });
    assert.deepEqual(shield.fallbacksByReason, { 'state-stale': 10, 'model-not-loaded': 10 });
    assert.equal(shield.byReason['risk-too-high'], 20);
    assert.deepEqual([shield.observationSize, shield.actionSize, shield.tickSpanS], [3, 2, 0.099]);
    assert.equal(shield.risk?.evaluated, 80);
    assert.deepEqual(shield.constraint, { reported: 85, violations: 8 });
  });
});
