/** The demo's results as a table, a few sentences of comparison, and a plot. */
import type { TopLevelSpec } from 'vega-lite';
import { table } from '../../cli/table.js';
import { NAVIGATION1_OBSTACLES } from '../../sim/index.js';
import type { DemoRun } from './run-episodes.js';

export interface RunFigures {
  readonly label: string;
  readonly episodes: number;
  readonly violations: number;
  readonly goalReached: number;
  /** Mean and standard error of the return over episodes without a violation (null when there are none). */
  readonly safeReturn: { readonly mean: number; readonly stderr: number; readonly episodes: number } | null;
  readonly interventions: number;
  readonly interventionRate: number;
  readonly fallbacks: number;
}

export function figuresOf(run: DemoRun): RunFigures {
  const safe = run.episodes.filter((e) => !e.violation).map((e) => e.return);
  const mean = safe.reduce((a, b) => a + b, 0) / safe.length;
  const variance = safe.length > 1 ? safe.reduce((a, r) => a + (r - mean) ** 2, 0) / (safe.length - 1) : 0;
  return {
    label: run.label,
    episodes: run.summary.episodes,
    violations: run.summary.violations,
    goalReached: run.episodes.filter((e) => e.success === true && !e.violation).length,
    safeReturn: safe.length ? { mean, stderr: Math.sqrt(variance / safe.length), episodes: safe.length } : null,
    interventions: run.episodes.reduce((n, e) => n + e.interventions, 0),
    interventionRate: run.summary.interventionRate,
    fallbacks: run.episodes.reduce((n, e) => n + e.fallbacks, 0),
  };
}

/**
 * One row per run. The return counts only episodes without a violation (as the paper's learning
 * curves do): an episode that ends in a wall stops collecting the per-step cost -|s| early, so
 * averaging it in would reward crashing.
 */
export function resultsTable(figures: readonly RunFigures[]): string {
  return table(
    ['run', 'episodes with a violation', 'goal reached', 'return (episodes without a violation)', 'interventions'],
    figures.map((f) => [
      f.label,
      `${f.violations} / ${f.episodes}`,
      `${f.goalReached} / ${f.episodes}`,
      f.safeReturn ? `${f.safeReturn.mean.toFixed(0)} ± ${f.safeReturn.stderr.toFixed(0)} (${f.safeReturn.episodes})` : '-',
      f.interventions ? `${f.interventions} (${(100 * f.interventionRate).toFixed(1)}% of ticks)` : '0',
    ]),
  );
}

function compare(a: number, b: number): string {
  return a < b ? 'fewer' : a > b ? 'more' : 'as many';
}

/** Sentences comparing every shielded run with the unshielded one, and MESA with the other shields; computed, never assumed. */
export function verdict(figures: readonly RunFigures[]): string[] {
  const none = figures[0];
  const lines = figures.slice(1).map(
    (f) => `${f.label}: ${f.violations} episodes with a violation against ${none.violations} without a shield (${compare(f.violations, none.violations)}); goal reached in ${f.goalReached} against ${none.goalReached}.`,
  );
  const mesa = figures.find((f) => f.label === 'shield: MESA');
  for (const other of figures.slice(1)) {
    if (!mesa || other === mesa) continue;
    lines.push(`MESA against ${other.label.replace('shield: ', '')}: ${mesa.violations} episodes with a violation against ${other.violations} (${compare(mesa.violations, other.violations)}).`);
  }
  for (const f of figures) if (f.fallbacks) lines.push(`${f.label}: the shield fell back ${f.fallbacks} times (it could not evaluate the risk; see results.json).`);
  return lines;
}

const VIEW = { x: [-60, 5], y: [-10, 10] } as const;

/**
 * Two panels: the first trajectories of each run in the corridor (walls grey, recovery actions
 * orange, collisions red), and the cumulative number of episodes with a violation.
 */
export function demoPlotSpec(runs: readonly DemoRun[], title: string): TopLevelSpec {
  const walls = runs.flatMap((r) =>
    NAVIGATION1_OBSTACLES.filter((o) => o.xHi > VIEW.x[0] && o.xLo < VIEW.x[1]).map((o) => ({
      run: r.label,
      x: Math.max(o.xLo, VIEW.x[0]),
      x2: Math.min(o.xHi, VIEW.x[1]),
      y: Math.max(o.yLo, VIEW.y[0]),
      y2: Math.min(o.yHi, VIEW.y[1]),
    })),
  );
  const points = runs.flatMap((r) => r.trajectories.map((p) => ({ run: r.label, ...p })));
  const cumulative = runs.flatMap((r) => {
    let n = 0;
    return r.episodes.map((e) => ({ run: r.label, episode: e.episode, violations: (n += e.violation ? 1 : 0) }));
  });
  const x = { field: 'x', type: 'quantitative', title: 'x', scale: { domain: [...VIEW.x] } } as const;
  const y = { field: 'y', type: 'quantitative', title: 'y', scale: { domain: [...VIEW.y] } } as const;
  const plotted = Math.max(...runs.map((r) => new Set(r.trajectories.map((p) => p.episode)).size));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    vconcat: [
      {
        title: `first ${plotted} episodes in the test environment (goal at the origin; walls grey, recovery actions orange, collisions red)`,
        data: { values: [...walls.map((w) => ({ kind: 'wall', ...w })), ...points.map((p) => ({ kind: 'path', ...p }))] },
        facet: { column: { field: 'run', type: 'nominal', title: null, sort: runs.map((r) => r.label) } },
        spec: {
          width: 300,
          height: 110,
          layer: [
            { transform: [{ filter: "datum.kind === 'wall'" }], mark: { type: 'rect', color: '#bbbbbb' }, encoding: { x, x2: { field: 'x2' }, y, y2: { field: 'y2' } } },
            {
              transform: [{ filter: "datum.kind === 'path'" }],
              mark: { type: 'line', strokeWidth: 0.8, opacity: 0.6, clip: true },
              encoding: { x, y, detail: { field: 'episode', type: 'nominal' }, order: { field: 'step', type: 'quantitative' }, color: { value: '#4c78a8' } },
            },
            { transform: [{ filter: "datum.kind === 'path' && datum.recovery" }], mark: { type: 'circle', size: 10, color: '#f58518', clip: true }, encoding: { x, y } },
            { transform: [{ filter: "datum.kind === 'path' && datum.violation" }], mark: { type: 'point', shape: 'cross', size: 40, color: '#e45756', filled: true, clip: true }, encoding: { x, y } },
          ],
        },
      },
      {
        title: 'cumulative episodes with a violation',
        width: 600,
        height: 200,
        data: { values: cumulative },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'episode', type: 'quantitative', title: 'episode' },
          y: { field: 'violations', type: 'quantitative', title: 'episodes with a violation' },
          color: { field: 'run', type: 'nominal', title: null, sort: runs.map((r) => r.label), legend: { labelLimit: 400 } },
        },
      },
    ],
  } as TopLevelSpec;
}
