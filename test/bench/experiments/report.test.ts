import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { domainPlotSpec, domainVerdict, meanSe, summarizeMethod, type LoadedRun } from '../../../bench/experiments/report.js';
import { renderSvg } from '../../../training/eval/index.js';
import { experimentSettings, type EpisodeRecord } from '../../../bench/experiments/index.js';

function run(seed: number, episodes: [ret: number, violation: boolean][], method: 'mesa' | 'rrl' = 'mesa'): LoadedRun {
  const records: EpisodeRecord[] = episodes.map(([ret, violation], i) => ({ episode: i + 1, return: ret, violation, length: 10, interventions: 1, fallbacks: 0, success: !violation, totalSteps: 10 * (i + 1), sacUpdates: 0, riskUpdates: 0, seconds: 0.05 * (seed + 1) }));
  const settings = experimentSettings({ domain: 'navigation1', method, seed, episodes: episodes.length });
  return { meta: { settings, status: 'done', paperEpisodes: 300, bundle: null, testEnvironment: 'B', dTest: { size: 100, violations: 10 }, warnings: [], command: 'c', startedAt: '', finishedAt: null }, records };
}

describe('experiment report', () => {
  it('takes mean and standard error over the finite values', () => {
    assert.deepEqual(meanSe([1, 3, NaN]), { mean: 2, se: 1, n: 2 });
    assert.equal(meanSe([NaN]), null);
  });

  it('cuts runs to the shortest, counts violations cumulatively and leaves violating episodes out of the return curve', () => {
    const s = summarizeMethod('mesa', [
      run(0, [[-10, false], [-5, true], [-8, false], [-1, false]]),
      run(1, [[-20, true], [-6, false], [-4, false]]),
    ]);
    assert.equal(s.episodes, 3);
    assert.deepEqual(s.seeds, [0, 1]);
    assert.deepEqual(s.violationCurve.map((p) => p.mean), [0.5, 1, 1]);
    assert.deepEqual(s.cumulativeViolations, { mean: 1, se: 0, n: 2 });
    // Episode 1: only seed 0's return counts; episode 2: only seed 1's.
    assert.deepEqual(s.returnCurve.map((p) => p.mean), [-10, -6, -6]);
    // The last 10% of 3 episodes is the last one: -8 and -4.
    assert.deepEqual(s.finalReturn, { mean: -6, se: 2, n: 2 });
    assert.equal(s.successRate!.mean, 2 / 3);
    assert.equal(s.interventionRate.mean, 0.1);
    assert.ok(Math.abs(s.msPerStep.mean - 7.5) < 1e-9, '5 ms per step for seed 0, 10 for seed 1');
  });

  it('averages violation recall over the tail of the seeds that recorded it, leaving out episodes before the first violation', () => {
    const withRecall = (r: LoadedRun, recall: (number | null)[]): LoadedRun => ({ ...r, records: r.records.map((x, i) => ({ ...x, violationRecall: recall[i] })) });
    const eps: [number, boolean][] = Array.from({ length: 20 }, () => [-1, false]);
    const s = summarizeMethod('mesa', [
      withRecall(run(0, eps), [null, ...Array.from({ length: 17 }, () => 1), 0.5, 0.3]),
      withRecall(run(1, eps), [null, null, ...Array.from({ length: 16 }, () => 1), 0.9, 0.7]),
      run(2, eps),
    ]);
    // The last 10% of 20 episodes: 0.5 and 0.3 (mean 0.4), 0.9 and 0.7 (mean 0.8); seed 2 has none.
    assert.equal(s.violationRecall!.n, 2);
    assert.ok(Math.abs(s.violationRecall!.mean - 0.6) < 1e-9);
    // Episode 1 has no recall on any seed; episode 2 only seed 0's.
    assert.deepEqual(s.recallCurve.slice(0, 2).map((p) => [p.episode, p.mean]), [[2, 1], [3, 1]]);
    assert.equal(s.recallCurve.length, 19);
    const none = summarizeMethod('rrl', [run(0, eps, 'rrl')]);
    assert.equal(none.violationRecall, null);
    assert.equal(none.recallCurve.length, 0);
  });

  it('draws a legend, and gives each method the same colour in every panel, also where a panel lacks some methods', async () => {
    const eps: [number, boolean][] = [[-1, false], [-2, true]];
    const mesa = summarizeMethod('mesa', [{ ...run(0, eps), records: run(0, eps).records.map((r) => ({ ...r, violationRecall: 0.5 })) }]);
    const rrl = summarizeMethod('rrl', [run(0, eps, 'rrl')]);
    const svg = await renderSvg(domainPlotSpec('navigation1', [rrl, mesa]));
    assert.match(svg, /role-legend/);
    const spec = JSON.stringify(domainPlotSpec('navigation1', [rrl, mesa]));
    // The recall panel holds only MESA; its colour must still come from the four methods in one order.
    const domains = [...spec.matchAll(/"domain":(\[[^\]]*\])/g)].map((m) => m[1]);
    assert.equal(domains.length, 6, 'three panels of two layers each');
    assert.ok(domains.every((d) => d === '["Unconstrained","RRL","Multi-Task","MESA"]'), domains.join(' '));
  });

  it('compares MESA with the others from the numbers, saying whether the gap exceeds the standard errors', () => {
    const mesa = summarizeMethod('mesa', [run(0, [[-1, false], [-1, false]]), run(1, [[-1, false], [-1, true]])]);
    const rrl = summarizeMethod('rrl', [run(0, [[-1, true], [-1, true]], 'rrl'), run(1, [[-1, true], [-1, true]], 'rrl')]);
    const [line] = domainVerdict([rrl, mesa]);
    assert.match(line, /^MESA: fewer cumulative violations than RRL \(0\.5 ± 0\.5 against 2\.0 ± 0\.0, difference beyond the summed standard errors\)/);
  });

  it('claims no separation from a single seed', () => {
    const mesa = summarizeMethod('mesa', [run(0, [[-1, false], [-1, false]])]);
    const rrl = summarizeMethod('rrl', [run(0, [[-1, true], [-1, true]], 'rrl')]);
    const [line] = domainVerdict([rrl, mesa]);
    assert.match(line, /^MESA: fewer cumulative violations than RRL \(0\.0 against 2\.0, one seed on a side: no standard error to judge it by\)/);
  });
});
