import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { integerIn } from './options.js';
import { progressReporter, type ProgressReporter } from './progress.js';

const DESCRIPTION = [
  "the whole path on Navigation 1 in a few minutes: collect the paper's datasets of 24 training robots and 100 transitions of a new robot, " +
    "meta-train MESA's safety critic, adapt it to the new robot, then drive the new robot without a shield and behind the shields " +
    "(MESA, and Recovery RL trained on the new robot's 100 transitions alone) and print violations, goal reached, return and interventions.",
  'The task controller heads for the goal at full speed with Gaussian exploration noise: it explores the way a learning policy does, ' +
    'yet reaches the goal when nothing stops it, so the table shows whether the shield costs task performance (a random controller never ' +
    "reaches the goal). The paper's setting, a SAC policy learning online behind the shield, is the experiment runner's (npm run experiments).",
  "Demo scale, not the paper's: 250 meta-iterations at outer learning rate 1e-3 (paper: 10,000 at 1e-5), observations standardized " +
    'inside the networks, shields fixed during the episodes; the output lists every difference. models/build.sh builds the paper-scale bundles.',
].join('\n\n');

const nonNegative = (name: string) => (v: string) => {
  const x = Number(v);
  if (!(x >= 0) || !Number.isFinite(x)) throw new InvalidArgumentError(`${name} must be a number >= 0, got "${v}"`);
  return x;
};

/** ./mesa-shield-demo, or the first of -2, -3, ... that does not exist or is empty. */
function freshFolder(): string {
  for (let n = 1; ; n++) {
    const dir = resolve(n === 1 ? 'mesa-shield-demo' : `mesa-shield-demo-${n}`);
    if (!existsSync(dir) || readdirSync(dir).length === 0) return dir;
  }
}

interface DemoOptions {
  out?: string;
  seed: number;
  quick?: boolean;
  episodes?: number;
  metaIterations?: number;
  trainEnvs?: number;
  trainSize?: number;
  noise?: number;
  rrl: boolean;
}

export function demoCommand(): Command {
  return new Command('demo')
    .summary('the whole path in a few minutes: collect, meta-train MESA, adapt, then a new robot with and without the shield')
    .description(DESCRIPTION)
    .option('--out <dir>', 'folder for datasets, bundles, summary.txt, results.json and demo.svg (default: ./mesa-shield-demo, or -2, -3, ... when taken)')
    .option('--seed <s>', 'seed of everything: robots, data, networks, episodes', integerIn(0, 2 ** 31 - 1), 0)
    .option('--quick', 'tiny sizes (seconds): checks that every stage runs; its numbers mean nothing')
    .option('--episodes <n>', 'episodes per run in the new robot (default 100)', integerIn(1))
    .option('--meta-iterations <n>', 'MESA meta-iterations (default 250)', integerIn(1))
    .option('--train-envs <n>', 'training robots to collect, of 24 (default 24)', integerIn(1, 24))
    .option('--train-size <n>', 'transitions per training robot (default 10000)', integerIn(1))
    .option('--noise <std>', "std of the task controller's exploration noise (default 0.8)", nonNegative('--noise'))
    .option('--no-rrl', 'leave out the Recovery RL shield (saves about half a minute)')
    .action(async (o: DemoOptions) => {
      const { runDemo, DEFAULT_DEMO, QUICK_DEMO } = await import('../bench/demo/index.js');
      const base = o.quick ? QUICK_DEMO : DEFAULT_DEMO;
      const settings = {
        ...base,
        seed: o.seed,
        ...(o.episodes ? { episodes: o.episodes, plottedEpisodes: Math.min(base.plottedEpisodes, o.episodes) } : {}),
        ...(o.metaIterations ? { metaIterations: o.metaIterations } : {}),
        ...(o.trainEnvs ? { trainEnvs: o.trainEnvs } : {}),
        ...(o.trainSize ? { trainSize: o.trainSize } : {}),
        ...(o.noise !== undefined ? { controllerNoise: o.noise } : {}),
        ...(o.rrl ? {} : { rrlIterations: 0 }),
      };
      const out = o.out ? resolve(o.out) : freshFolder();
      console.error(`mesa-shield demo: writing to ${out}`);
      let bar: ProgressReporter | null = null;
      const result = await runDemo(settings, out, {
        stage(index, total, title) {
          console.error(`[${index}/${total}] ${title}`);
          bar = progressReporter(`  ${title}`);
        },
        progress: (done, total, detail) => bar?.update(done, total, detail),
        stageDone(seconds, summary) {
          bar?.stop();
          bar = null;
          console.error(`      ${seconds.toFixed(1)} s: ${summary}`);
        },
      });
      console.log(result.table);
      console.log('');
      for (const line of result.verdict) console.log(line);
      console.log('');
      console.log("demo scale, not the paper's (models/build.sh builds the paper-scale bundles):");
      for (const d of result.deviations) console.log(`  - ${d}`);
      console.log('');
      console.log(`done in ${result.totalSeconds.toFixed(0)} s. Plot: ${result.files.plot}; summary: ${result.files.summary}; per-episode results: ${result.files.results}`);
      console.log(`the shields are ordinary model bundles, e.g. mesa-shield sim-loop --domain navigation1 --seed ${settings.seed} --bundle ${result.files.bundles.at(-1)} --compare`);
    });
}
