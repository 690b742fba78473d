/**
 * `mesa-shield demo`: the whole path on Navigation 1 in a few minutes. Collect small datasets of
 * a few training robots and of the new robot, meta-train MESA's safety critic, adapt it to the new
 * robot, then drive the new robot with a task controller without a shield and behind each trained
 * shield, and report violations, goal reached, return and interventions, with a plot.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDomain } from '../../sim/index.js';
import { initTrainingBackend } from '../../training/backend.js';
import { renderSvg } from '../../training/eval/index.js';
import { demoPlotSpec, figuresOf, resultsTable, verdict, type RunFigures } from './report.js';
import { runEpisodes, type DemoRun } from './run-episodes.js';
import { demoDeviations, demoSettingsSchema, type DemoSettings } from './settings.js';
import { adaptToRobot, collectDemoData, DEMO_DOMAIN, metaTrain, trainRrl, type TrainedShield } from './train-shields.js';

export interface DemoEvents {
  /** A stage starts (numbered from 1). */
  stage(index: number, total: number, title: string): void;
  /** Progress within the current stage. */
  progress(done: number, total: number, detail?: string): void;
  /** The current stage finished; `summary` says what it produced. */
  stageDone(seconds: number, summary: string): void;
}

export interface DemoResult {
  readonly settings: DemoSettings;
  readonly figures: readonly RunFigures[];
  readonly table: string;
  readonly verdict: readonly string[];
  readonly deviations: readonly string[];
  readonly timings: readonly { readonly stage: string; readonly seconds: number }[];
  readonly totalSeconds: number;
  readonly files: { readonly summary: string; readonly results: string; readonly plot: string; readonly data: string; readonly bundles: readonly string[] };
}

const SILENT: DemoEvents = { stage() {}, progress() {}, stageDone() {} };

export async function runDemo(input: DemoSettings, out: string, events: DemoEvents = SILENT): Promise<DemoResult> {
  const s = demoSettingsSchema.parse(input);
  if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`${out} exists and is not empty; give --out a new folder`);
  mkdirSync(out, { recursive: true });
  const backend = await initTrainingBackend();
  const titles = ['collect datasets', 'meta-train MESA (phase 1)', 'adapt MESA to the new robot (phase 2)', ...(s.rrlIterations > 0 ? ['train RRL on the new robot\'s data alone'] : []), 'drive the new robot', 'plot'];
  const timings: { stage: string; seconds: number }[] = [];
  const started = performance.now();
  let index = 0;
  const stage = async <T>(work: () => Promise<T>, summary: (t: T) => string): Promise<T> => {
    const title = titles[index++];
    events.stage(index, titles.length, title);
    const t0 = performance.now();
    const result = await work();
    const seconds = (performance.now() - t0) / 1000;
    timings.push({ stage: title, seconds });
    events.stageDone(seconds, summary(result));
    return result;
  };
  const trainingProgress = (p: { iteration: number; total: number; stats: Readonly<Record<string, number>> }) =>
    events.progress(p.iteration, p.total, Object.entries(p.stats).map(([k, v]) => `${k} ${v.toPrecision(3)}`).join(', '));

  const dataDir = join(out, 'data');
  const data = await stage(
    () => collectDemoData(s, dataDir, (done, total) => events.progress(done, total)),
    (d) =>
      `${d.train.length} training robots x ${s.trainSize} transitions (${d.train.reduce((n, t) => n + t.meta.violations, 0)} violations), ` +
      `D_test ${d.test.meta.size} transitions (${d.test.meta.violations} violations) from the new robot, ${getDomain(DEMO_DOMAIN).describe(d.testEnvironment)} -> ${dataDir}`,
  );
  const phase1 = await stage(() => metaTrain(data, s, out, trainingProgress), (r) => `${r.result.iterations} meta-iterations -> ${r.shield.bundle}`);
  const mesa = await stage(() => adaptToRobot(phase1.result, data, s, out, trainingProgress), (r) => `${r.iterations.adapt} iterations on D_test -> ${r.bundle}`);
  const shields: TrainedShield[] = [];
  if (s.rrlIterations > 0) shields.push(await stage(() => trainRrl(data, s, out, trainingProgress), (r) => `${r.iterations['test-data']} iterations on D_test -> ${r.bundle}`));
  shields.push(mesa);

  const runs = await stage(
    async () => {
      const all: DemoRun[] = [];
      const gates = [null, ...shields];
      for (const [k, shield] of gates.entries()) {
        all.push(await runEpisodes(s, data.testEnvironment, shield, (done) => events.progress(k * s.episodes + done, gates.length * s.episodes, shield ? `behind the ${shield.method.toUpperCase()} shield` : 'without a shield')));
      }
      return all;
    },
    (r) => `${r.length} runs of ${s.episodes} episodes`,
  );

  const figures = runs.map(figuresOf);
  const deviations = demoDeviations(s);
  const files = { summary: join(out, 'summary.txt'), results: join(out, 'results.json'), plot: join(out, 'demo.svg'), data: dataDir, bundles: [phase1.shield.bundle, ...shields.map((x) => x.bundle)] };
  const tableText = resultsTable(figures);
  const lines = verdict(figures);
  const title = `mesa-shield demo: Navigation 1, new robot ${getDomain(DEMO_DOMAIN).describe(data.testEnvironment)}, seed ${s.seed}`;
  await stage(async () => writeFileSync(files.plot, await renderSvg(demoPlotSpec(runs, title))), () => files.plot);
  const totalSeconds = (performance.now() - started) / 1000;
  const summary = [
    title,
    `task controller: full speed towards the goal plus Gaussian exploration noise (std ${s.controllerNoise}); ${s.episodes} episodes per run, each ending at the goal, at a wall or after 100 steps`,
    '',
    tableText,
    '',
    ...lines,
    '',
    "demo scale, not the paper's (models/build.sh builds the paper-scale bundles):",
    ...deviations.map((d) => `  - ${d}`),
    '',
    `time: ${timings.map((t) => `${t.stage} ${t.seconds.toFixed(1)} s`).join(', ')}; total ${totalSeconds.toFixed(0)} s (training backend: ${backend})`,
  ].join('\n');
  writeFileSync(files.summary, `${summary}\n`);
  const results = {
    settings: s,
    deviations,
    backend,
    testEnvironment: { params: data.testEnvironment, description: getDomain(DEMO_DOMAIN).describe(data.testEnvironment) },
    data: { dir: dataDir, train: data.train.map((d) => ({ size: d.meta.size, violations: d.meta.violations })), test: { size: data.test.meta.size, violations: data.test.meta.violations } },
    timings,
    totalSeconds,
    runs: runs.map((r, k) => ({ label: r.label, shield: r.shield, bundle: r.bundle, epsSafe: r.epsSafe, summary: r.summary, figures: figures[k], episodes: r.episodes })),
  };
  writeFileSync(files.results, `${JSON.stringify(results, null, 1)}\n`);
  return { settings: s, figures, table: tableText, verdict: lines, deviations, timings, totalSeconds, files };
}
