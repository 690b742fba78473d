import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { demoPlotSpec, figuresOf, resultsTable, verdict } from '../../../bench/demo/report.js';
import type { DemoRun } from '../../../bench/demo/run-episodes.js';
import type { SimLoopEpisode } from '../../../sim/index.js';

function run(shield: DemoRun['shield'], label: string, episodes: [ret: number, violation: boolean, success: boolean, interventions: number][]): DemoRun {
  const list: SimLoopEpisode[] = episodes.map(([ret, violation, success, interventions], i) => ({ episode: i + 1, return: ret, length: 10, violation, interventions, fallbacks: 0, success }));
  return {
    shield,
    label,
    bundle: null,
    epsSafe: null,
    episodes: list,
    summary: { episodes: list.length, violations: list.filter((e) => e.violation).length, meanReturn: 0, stderrReturn: 0, interventionRate: list.reduce((n, e) => n + e.interventions, 0) / (10 * list.length), fallbackRate: 0 },
    trajectories: [{ episode: 1, step: 0, x: -50, y: 0, violation: false, recovery: false }],
  };
}

describe('demo report', () => {
  const none = run('none', 'no shield', [[-100, true, false, 0], [-1000, false, true, 0], [-1200, false, true, 0]]);
  const mesa = run('mesa', 'shield: MESA', [[-1100, false, true, 2], [-1300, false, true, 0], [-900, false, false, 1]]);
  const rrl = run('rrl', 'shield: RRL (D_test only)', [[-50, true, false, 4], [-60, true, false, 4], [-1000, false, true, 0]]);

  it('averages the return over episodes without a violation and counts goals only for them', () => {
    const f = figuresOf(none);
    assert.equal(f.violations, 1);
    assert.equal(f.goalReached, 2);
    assert.deepEqual(f.safeReturn, { mean: -1100, stderr: 100, episodes: 2 });
    assert.equal(figuresOf(mesa).interventions, 3);
    const allCrashed = figuresOf(run('rrl', 'x', [[-5, true, false, 0]]));
    assert.equal(allCrashed.safeReturn, null);
    assert.match(resultsTable([allCrashed]), /x\s+1 \/ 1\s+0 \/ 1\s+-\s+0/);
  });

  it('compares each shield with no shield and MESA with the other shields, as measured', () => {
    const lines = verdict([none, rrl, mesa].map(figuresOf));
    assert.deepEqual(lines, [
      'shield: RRL (D_test only): 2 episodes with a violation against 1 without a shield (more); goal reached in 1 against 2.',
      'shield: MESA: 0 episodes with a violation against 1 without a shield (fewer); goal reached in 2 against 2.',
      'MESA against RRL (D_test only): 0 episodes with a violation against 2 (fewer).',
    ]);
    assert.match(verdict([none, none].map(figuresOf))[0], /\(as many\)/);
  });

  it('plots every run in its own trajectory panel and one cumulative-violation line per run', () => {
    const spec = demoPlotSpec([none, mesa], 'title') as unknown as { vconcat: [{ data: { values: { kind: string; run: string }[] } }, { data: { values: { run: string; episode: number; violations: number }[] } }] };
    const [panels, cumulative] = spec.vconcat;
    assert.deepEqual([...new Set(panels.data.values.filter((v) => v.kind === 'path').map((v) => v.run))], ['no shield', 'shield: MESA']);
    assert.ok(panels.data.values.some((v) => v.kind === 'wall'));
    assert.deepEqual(cumulative.data.values.filter((v) => v.run === 'no shield').map((v) => v.violations), [1, 1, 1]);
  });
});
