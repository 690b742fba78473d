/**
 * The phase-3 experiment runner's command line.
 *   node dist/bench/experiments/main.js run --domain navigation1 [--methods unconstrained,rrl,multitask,mesa]
 *        [--seeds 0,1,2,3,4] [--episodes N] [--out runs/experiments] [--bundles models/{domain}-{method}]
 *        [--data-seed 0] [--test-size N] [--pos-fraction P] [--tau-risk X] [--checkpoint-every 10] [--jobs 1]
 *   node dist/bench/experiments/main.js report [--out runs/experiments]
 * Runs resume from their checkpoints when started again with the same settings; Ctrl-C stops
 * after the current episode with a checkpoint.
 */
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DOMAIN_IDS, type DomainId } from '../../sim/index.js';
import { integerIn, unitInterval } from '../../cli/options.js';
import { runChildPool } from './child-pool.js';
import { writeReport } from './report.js';
import { runExperiment } from './runner.js';
import { DEFAULT_BUNDLES, DEFAULT_SEEDS, EXPERIMENT_METHODS, experimentSettings, type ExperimentMethod } from './settings.js';

const list = <T extends string | number>(parse: (x: string) => T) => (v: string) => {
  const items = v.split(',').map((x) => x.trim()).filter(Boolean).map(parse);
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list');
  return items;
};

const method = (x: string): ExperimentMethod => {
  if (!(EXPERIMENT_METHODS as readonly string[]).includes(x)) throw new InvalidArgumentError(`unknown method "${x}" (methods: ${EXPERIMENT_METHODS.join(', ')})`);
  return x as ExperimentMethod;
};

const program = new Command('experiments').description('phase 3 of the paper: SAC learning online in the test environment behind the shield, per method and seed');

program
  .command('run')
  .description('runs (or resumes) every method x seed of one domain; writes <out>/<domain>/<method>/seed-<k>/{run.json,episodes.jsonl}')
  .addOption(new Option('--domain <id>', 'domain').choices([...DOMAIN_IDS]).makeOptionMandatory())
  .option('--methods <list>', 'methods', list(method), [...EXPERIMENT_METHODS])
  .option('--seeds <list>', 'seeds', list(integerIn(0, 2 ** 31 - 1)), [...DEFAULT_SEEDS])
  .option('--episodes <n>', "episodes per run (default: the paper's budget for the domain)", integerIn(1))
  .option('--out <dir>', 'output folder', 'runs/experiments')
  .option('--bundles <template>', 'bundle of each safe method; {domain}, {method}, {seed} are replaced ({seed}: one bundle per seed, built with that seed)', DEFAULT_BUNDLES)
  .option('--data-seed <n>', 'seed of the test robot and D_test when --bundles has no {seed} (the seed the bundles were adapted with)', integerIn(0), 0)
  .option('--test-size <n>', "transitions of D_test (default: the paper's; the head of it, as collect --test-size makes it)", integerIn(1))
  .option('--pos-fraction <p>', "share of violating transitions in every online risk batch (default: the domain's; the reference balances only HalfCheetah's, 0.3)", unitInterval)
  .option('--tau-risk <x>', "Polyak rate of MESA's risk target network (default: the reference's 0.0002; the other methods bootstrap from the online critic)", unitInterval)
  .option('--checkpoint-every <n>', 'episodes between checkpoints', integerIn(1), 10)
  .option('--jobs <n>', 'runs at a time, each in its own process (results are the same as one at a time)', integerIn(1, 64), 1)
  .action(async (o: RunOptions) => {
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (o.jobs > 1) return runInChildren(o, controller.signal);
    const command = `node dist/bench/experiments/main.js ${process.argv.slice(2).join(' ')}`;
    for (const seed of o.seeds) {
      for (const m of o.methods) {
        const settings = experimentSettings({ domain: o.domain, method: m, seed, bundles: o.bundles, dataSeed: o.dataSeed, checkpointEvery: o.checkpointEvery, ...(o.episodes ? { episodes: o.episodes } : {}), ...(o.testSize ? { testSize: o.testSize } : {}), ...(o.posFraction !== undefined ? { posFraction: o.posFraction } : {}), ...(o.tauRisk !== undefined ? { tauRisk: o.tauRisk } : {}) });
        const label = `${o.domain} ${m} seed ${seed}`;
        const outcome = await runExperiment(settings, o.out, {
          command,
          signal: controller.signal,
          onEpisode: (r) =>
            console.error(
              `${label}: episode ${r.episode}/${settings.episodes}  return ${r.return.toFixed(1)}  ${r.violation ? 'VIOLATION' : 'safe'}  length ${r.length}  interventions ${r.interventions}${r.violationRecall == null ? '' : `  recall ${r.violationRecall.toFixed(2)}`}  (${r.seconds.toFixed(1)} s, ${r.totalSteps} steps so far)`,
            ),
        });
        if (outcome.resumedAt !== null) console.error(`${label}: resumed after episode ${outcome.resumedAt}`);
        if (!outcome.completed) {
          console.error(`${label}: stopped after episode ${outcome.records.length}, checkpoint in ${outcome.dir}; run the same command to continue`);
          process.exitCode = 130;
          return;
        }
        const violations = outcome.records.filter((r) => r.violation).length;
        console.log(`${label}: ${outcome.records.length} episodes, ${violations} with a violation -> ${outcome.dir}`);
      }
    }
  });

interface RunOptions {
  domain: DomainId;
  methods: ExperimentMethod[];
  seeds: number[];
  episodes?: number;
  testSize?: number;
  posFraction?: number;
  tauRisk?: number;
  out: string;
  bundles: string;
  dataSeed: number;
  checkpointEvery: number;
  jobs: number;
}

/** One child process per method x seed, each running this command for its one run. */
async function runInChildren(o: RunOptions, signal: AbortSignal): Promise<void> {
  const runs = o.seeds.flatMap((seed) => o.methods.map((m) => ({ seed, method: m })));
  const shared = ['--domain', o.domain, '--out', o.out, '--bundles', o.bundles, '--data-seed', String(o.dataSeed), '--checkpoint-every', String(o.checkpointEvery), ...(o.episodes ? ['--episodes', String(o.episodes)] : []), ...(o.testSize ? ['--test-size', String(o.testSize)] : []), ...(o.posFraction !== undefined ? ['--pos-fraction', String(o.posFraction)] : []), ...(o.tauRisk !== undefined ? ['--tau-risk', String(o.tauRisk)] : [])];
  const script = fileURLToPath(import.meta.url);
  const codes = await runChildPool(runs.map((r) => [script, 'run', ...shared, '--methods', r.method, '--seeds', String(r.seed)]), o.jobs, signal);
  const name = (r: (typeof runs)[number]) => `${r.method} seed ${r.seed}`;
  const interrupted = runs.filter((_, i) => codes[i] === 130 || codes[i] === null);
  const failed = runs.filter((_, i) => codes[i] !== 0 && codes[i] !== 130 && codes[i] !== null);
  if (failed.length > 0) console.error(`${o.domain}: failed (see their messages above): ${failed.map(name).join(', ')}`);
  if (interrupted.length > 0) console.error(`${o.domain}: interrupted or not started: ${interrupted.map(name).join(', ')}; run the same command to continue`);
  if (failed.length > 0) process.exitCode = 1;
  else if (interrupted.length > 0) process.exitCode = 130;
}

program
  .command('report')
  .description('curves (mean ± s.e. over seeds) and a table per domain from the runs in --out: <out>/report/report.md and <domain>.svg')
  .option('--out <dir>', 'folder of the runs', 'runs/experiments')
  .action(async (o: { out: string }) => {
    const files = await writeReport(o.out, `node dist/bench/experiments/main.js report --out ${o.out}`);
    console.log(`wrote ${files.markdown} and ${files.plots.join(', ')}`);
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  console.error(`experiments: ${e instanceof Error ? e.message : String(e)}`);
  if (process.env.MESA_SHIELD_DEBUG && e instanceof Error) console.error(e.stack);
  process.exitCode = 2;
}
