/**
 * The report of a folder of phase-3 runs: per domain, learning curves (return per episode) and
 * cumulative-violation curves, mean with standard-error shading over seeds, as SVG; a markdown
 * table of cumulative violations and final task performance per method beside the paper's claims;
 * and the scale of every run (episodes, seeds), stated plainly.
 *
 * Aggregation follows the reference's analysis script (spec section 7): violation(e) = the episode
 * ended in a violation; cumulative violations = their running sum; the return of a violating
 * episode is left out of the return curve (it stops early, so it would look better); runs are cut
 * to the shortest run of the method; mean ± standard error (std / sqrt(n)) over seeds.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { DOMAIN_IDS, type DomainId } from '../../sim/index.js';
import { renderSvg } from '../../training/eval/index.js';
import { readEpisodes, readRunMeta, type EpisodeRecord, type RunMeta } from './records.js';
import { EXPERIMENT_METHODS, paperEpisodes, paperTestSize, type ExperimentMethod } from './settings.js';

/** What the paper says per domain (spec section 7: its figures' numbers are not available). */
const PAPER_CLAIMS: Readonly<Record<DomainId, string>> = {
  navigation1: 'Unconstrained collides often and fails to learn; MESA has fewer violations than Multi-Task, but the gap is small.',
  navigation2: 'Unconstrained collides often; MESA has fewer violations than Multi-Task, with a small gap (smaller than on Navigation 1).',
  'cartpole-length': 'MESA and the other methods are comparable.',
  'halfcheetah-disabled': 'MESA has significantly fewer violations than all other methods at similar task performance (up to a factor of 2).',
  'ant-disabled': 'MESA has significantly fewer violations than all other methods at similar task performance.',
};

export interface LoadedRun {
  readonly meta: RunMeta;
  readonly records: readonly EpisodeRecord[];
}

/** Every run under `out`, by domain and method, in the order of DOMAIN_IDS and EXPERIMENT_METHODS. */
function loadRuns(out: string): Map<DomainId, Map<ExperimentMethod, LoadedRun[]>> {
  const byDomain = new Map<DomainId, Map<ExperimentMethod, LoadedRun[]>>();
  for (const domain of DOMAIN_IDS) {
    for (const method of EXPERIMENT_METHODS) {
      const base = join(out, domain, method);
      if (!existsSync(base)) continue;
      const runs = readdirSync(base)
        .filter((d) => /^seed-\d+$/.test(d))
        .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
        .flatMap((d) => {
          const meta = readRunMeta(join(base, d));
          const records = meta ? readEpisodes(join(base, d)) : [];
          return meta && records.length > 0 ? [{ meta, records }] : [];
        });
      if (runs.length === 0) continue;
      if (!byDomain.has(domain)) byDomain.set(domain, new Map());
      byDomain.get(domain)!.set(method, runs);
    }
  }
  return byDomain;
}

export interface MeanSe {
  readonly mean: number;
  readonly se: number;
  readonly n: number;
}

/** Mean and standard error of the finite values (null when there are none). */
export function meanSe(values: readonly number[]): MeanSe | null {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, se: sd / Math.sqrt(v.length), n: v.length };
}

export interface CurvePoint {
  readonly episode: number;
  readonly mean: number;
  readonly low: number;
  readonly high: number;
}

export interface MethodSummary {
  readonly method: ExperimentMethod;
  readonly seeds: readonly number[];
  /** Episodes per seed after cutting to the shortest run. */
  readonly episodes: number;
  readonly cumulativeViolations: MeanSe;
  /** Mean return of the non-violating episodes among the last 10% of episodes, per seed, then over seeds. */
  readonly finalReturn: MeanSe | null;
  /** Share of episodes ending in task success (navigation), per seed, then over seeds. */
  readonly successRate: MeanSe | null;
  /** Recovery interventions per environment step, per seed, then over seeds. */
  readonly interventionRate: MeanSe;
  /** Wall-clock milliseconds per environment step (acting, learning, shielding), per seed, then over seeds: the cost, not a result. */
  readonly msPerStep: MeanSe;
  /**
   * Mean violation recall over the last 10% of episodes, per seed, then over the seeds whose
   * records carry it (runs recorded before it existed do not); null for Unconstrained or when none do.
   */
  readonly violationRecall: MeanSe | null;
  readonly returnCurve: readonly CurvePoint[];
  readonly violationCurve: readonly CurvePoint[];
  /** Violation recall per episode over the seeds that recorded it. */
  readonly recallCurve: readonly CurvePoint[];
}

function curve(perSeed: readonly (readonly number[])[], episodes: number): CurvePoint[] {
  const points: CurvePoint[] = [];
  for (let e = 0; e < episodes; e++) {
    const m = meanSe(perSeed.map((s) => s[e]));
    if (m) points.push({ episode: e + 1, mean: m.mean, low: m.mean - m.se, high: m.mean + m.se });
  }
  return points;
}

export function summarizeMethod(method: ExperimentMethod, runs: readonly LoadedRun[]): MethodSummary {
  const episodes = Math.min(...runs.map((r) => r.records.length));
  const cut = runs.map((r) => r.records.slice(0, episodes));
  const cumulative = cut.map((rs) => {
    let n = 0;
    return rs.map((r) => (n += r.violation ? 1 : 0));
  });
  const returns = cut.map((rs) => rs.map((r) => (r.violation ? NaN : r.return)));
  const tail = Math.max(1, Math.ceil(episodes / 10));
  const withSuccess = cut.every((rs) => rs.every((r) => r.success !== undefined));
  // A recall is null until the risk buffer holds a violation; such episodes are left out.
  const recalls = cut.filter((rs) => rs.some((r) => r.violationRecall != null)).map((rs) => rs.map((r) => r.violationRecall ?? NaN));
  return {
    method,
    seeds: runs.map((r) => r.meta.settings.seed),
    episodes,
    cumulativeViolations: meanSe(cumulative.map((c) => c[episodes - 1]))!,
    finalReturn: meanSe(returns.map((r) => meanSe(r.slice(-tail))?.mean ?? NaN)),
    successRate: withSuccess ? meanSe(cut.map((rs) => rs.filter((r) => r.success).length / rs.length)) : null,
    interventionRate: meanSe(cut.map((rs) => rs.reduce((n, r) => n + r.interventions, 0) / rs.reduce((n, r) => n + r.length, 0)))!,
    msPerStep: meanSe(cut.map((rs) => (1000 * rs.reduce((t, r) => t + r.seconds, 0)) / rs.reduce((n, r) => n + r.length, 0)))!,
    violationRecall: meanSe(recalls.map((r) => meanSe(r.slice(-tail))?.mean ?? NaN)),
    returnCurve: curve(returns, episodes),
    violationCurve: curve(cumulative, episodes),
    recallCurve: curve(recalls, episodes),
  };
}

const LABELS: Record<ExperimentMethod, string> = { unconstrained: 'Unconstrained', rrl: 'RRL', multitask: 'Multi-Task', mesa: 'MESA' };

function band(summaries: readonly MethodSummary[], pick: (m: MethodSummary) => readonly CurvePoint[], title: string, y: string): TopLevelSpec {
  const values = summaries.flatMap((m) => pick(m).map((p) => ({ method: LABELS[m.method], ...p })));
  // One fixed domain for every panel and domain: a method keeps its colour even in a panel that lacks some methods.
  const color = { field: 'method', type: 'nominal', title: null, scale: { domain: EXPERIMENT_METHODS.map((m) => LABELS[m]) }, legend: { symbolOpacity: 1, symbolType: 'stroke' } } as const;
  const x = { field: 'episode', type: 'quantitative', title: 'episode' } as const;
  return {
    title,
    width: 360,
    height: 220,
    data: { values },
    layer: [
      { mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { field: 'low', type: 'quantitative', title: y }, y2: { field: 'high' }, color } },
      { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y: { field: 'mean', type: 'quantitative', title: y }, color } },
    ],
  } as TopLevelSpec;
}

export function domainPlotSpec(domain: DomainId, summaries: readonly MethodSummary[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${domain}: mean over seeds, shading ± 1 standard error`,
    hconcat: [
      band(summaries, (m) => m.returnCurve, 'return (episodes without a violation)', 'return'),
      band(summaries, (m) => m.violationCurve, 'cumulative constraint violations', 'episodes with a violation'),
      ...(summaries.some((m) => m.recallCurve.length > 0)
        ? [band(summaries.filter((m) => m.recallCurve.length > 0), (m) => m.recallCurve, 'violation recall (seeds that recorded it)', 'share flagged')]
        : []),
    ],
  } as unknown as TopLevelSpec;
}

/** `mean ± s.e.`; a single value has no standard error and is shown alone. */
const fmt = (m: MeanSe | null, digits = 1) => (m ? (m.n > 1 ? `${m.mean.toFixed(digits)} ± ${m.se.toFixed(digits)}` : m.mean.toFixed(digits)) : '-');

/** Recall as mean ± s.e., naming how many seeds recorded it when not all did. */
function recallCell(m: MethodSummary): string {
  if (!m.violationRecall) return '-';
  const cell = fmt(m.violationRecall, 2);
  return m.violationRecall.n < m.seeds.length ? `${cell} (${m.violationRecall.n} of ${m.seeds.length} seeds)` : cell;
}

/** Sentences comparing MESA with each other method, from the numbers (difference and standard errors). */
export function domainVerdict(summaries: readonly MethodSummary[]): string[] {
  const mesa = summaries.find((m) => m.method === 'mesa');
  if (!mesa) return ['No MESA runs in this domain.'];
  return summaries
    .filter((m) => m !== mesa)
    .map((m) => {
      const a = mesa.cumulativeViolations;
      const b = m.cumulativeViolations;
      const word = a.mean < b.mean ? 'fewer cumulative violations than' : a.mean > b.mean ? 'more cumulative violations than' : 'as many cumulative violations as';
      const separated =
        a.n < 2 || b.n < 2 ? 'one seed on a side: no standard error to judge it by' : Math.abs(a.mean - b.mean) > a.se + b.se ? 'difference beyond the summed standard errors' : 'difference within the summed standard errors';
      const r = mesa.finalReturn && m.finalReturn ? `; final return ${fmt(mesa.finalReturn)} against ${fmt(m.finalReturn)}` : '';
      return `MESA: ${word} ${LABELS[m.method]} (${fmt(a)} against ${fmt(b)}, ${separated})${r}.`;
    });
}

export interface ReportFiles {
  readonly markdown: string;
  readonly plots: readonly string[];
}

/** Writes `<out>/report/report.md` and one `<domain>.svg` per domain; returns their paths. */
export async function writeReport(out: string, command: string): Promise<ReportFiles> {
  const runs = loadRuns(out);
  if (runs.size === 0) throw new Error(`${out} holds no runs (expected <domain>/<method>/seed-<k>/run.json)`);
  const dir = join(out, 'report');
  mkdirSync(dir, { recursive: true });
  const md: string[] = ['# Phase-3 experiments', '', `Produced by \`${command}\` from the runs in \`${out}\`.`, ''];
  const plots: string[] = [];
  for (const [domain, methods] of runs) {
    const summaries = [...methods].map(([method, rs]) => summarizeMethod(method, rs));
    const all = [...methods.values()].flat();
    const plot = join(dir, `${domain}.svg`);
    writeFileSync(plot, await renderSvg(domainPlotSpec(domain, summaries)));
    plots.push(plot);
    const paper = paperEpisodes(domain);
    const testSizes = [...new Set(all.map((r) => r.meta.settings.testSize))];
    const otherTestSize = testSizes.some((n) => n !== paperTestSize(domain));
    const reduced = summaries.some((m) => m.episodes < paper) || summaries.some((m) => m.seeds.length < 5) || otherTestSize;
    md.push(`## ${domain}`, '');
    md.push(
      reduced
        ? `**Reduced scale, not the paper's:** ${summaries.map((m) => `${LABELS[m.method]} ${m.episodes} episodes x ${m.seeds.length} seed${m.seeds.length === 1 ? '' : 's'}`).join(', ')} (paper: ${paper} episodes x 5 seeds)${otherTestSize ? `; D_test of ${testSizes.join(' / ')} transitions (paper: ${paperTestSize(domain)})` : ''}.`
        : `Paper scale: ${paper} episodes x 5 seeds per method.`,
      '',
      `![${domain}](${relative(dir, plot)})`,
      '',
      '| method | seeds | episodes | cumulative violations | final return (last 10%, no violation) | success rate | interventions per step | violation recall (last 10%) | ms per step |',
      '|---|---|---|---|---|---|---|---|---|',
      ...summaries.map((m) => `| ${LABELS[m.method]} | ${m.seeds.join(', ')} | ${m.episodes} | ${fmt(m.cumulativeViolations)} | ${fmt(m.finalReturn)} | ${m.successRate ? fmt(m.successRate, 2) : '-'} | ${fmt(m.interventionRate, 3)} | ${recallCell(m)} | ${fmt(m.msPerStep)} |`),
      '',
      "Violation recall: the share of the risk buffer's violating transitions whose risk is above eps_risk after an episode; a critic drifting to \"safe everywhere\" shows there first.",
      '',
      `Paper: ${PAPER_CLAIMS[domain]}`,
      '',
      'Measured:',
      ...domainVerdict(summaries).map((l) => `- ${l}`),
      '',
    );
    const warnings = [...new Set(all.flatMap((r) => r.meta.warnings.map((w) => `${r.meta.settings.method}, seed ${r.meta.settings.seed}: ${w}`)))];
    const unfinished = all.filter((r) => r.meta.status !== 'done').map((r) => `${r.meta.settings.method} seed ${r.meta.settings.seed} (${r.records.length} of ${r.meta.settings.episodes} episodes)`);
    if (unfinished.length) md.push(`Unfinished runs (cut to the shortest run of their method): ${unfinished.join(', ')}.`, '');
    if (warnings.length) md.push('Notes from the runs:', ...warnings.map((w) => `- ${w}`), '');
    const bundles = [...new Set(all.flatMap((r) => (r.meta.bundle ? [`${LABELS[r.meta.settings.method]}: \`${r.meta.bundle.path}\`, built ${r.meta.bundle.createdAt.slice(0, 10)}`] : [])))];
    if (bundles.length) md.push('Bundles the safe methods started from:', ...bundles.map((b) => `- ${b}`), '');
    md.push('Commands of the runs:', '', ...[...new Set(all.map((r) => r.meta.command))].map((c) => `    ${c}`), '');
  }
  const markdown = join(dir, 'report.md');
  writeFileSync(markdown, `${md.join('\n')}\n`);
  return { markdown, plots };
}
