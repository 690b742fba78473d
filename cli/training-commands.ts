import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { DOMAIN_IDS, getDomain, isDomainId, type DomainId } from '../sim/index.js';
import type { PhaseStats } from '../training/phases.js';
import type { PhaseResult, Progress } from '../training/train.js';
import { integerIn, unitInterval, UsageError } from './options.js';
import { progressReporter } from './progress.js';
import { table } from './table.js';

/** `collect`, `train`, `adapt` and `eval-critic`. TensorFlow.js loads only when one of them runs. */
export function trainingCommands(): Command[] {
  return [collectCommand(), trainCommand(), adaptCommand(), evalCriticCommand()];
}

const BEHAVIOURS = ['navigation-generator', 'random', 'sac'] as const;

function collectCommand(): Command {
  return new Command('collect')
    .description("build a domain's offline datasets: one per training environment and the small test-environment dataset")
    .addOption(new Option('--domain <id>', 'domain').choices([...DOMAIN_IDS]).makeOptionMandatory())
    .requiredOption('--out <dir>', 'dataset folder to write')
    .option('--seed <s>', 'seed of the environment distribution and the behaviour', integerIn(0, 2 ** 31 - 1), 0)
    .option('--train-size <n>', "transitions per training environment (default: the paper's)", integerIn(1))
    .option('--test-size <n>', "transitions in the test dataset (default: the paper's)", integerIn(1))
    .option('--held-out <n>', 'also write held-out.arrow: this many more test-environment transitions, for eval-critic', integerIn(1))
    .option('--envs <n>', 'collect only the first n training environments', integerIn(1))
    .addOption(new Option('--train-policy <p>', 'behaviour for training data (default: navigation generator, else SAC)').choices([...BEHAVIOURS]))
    .addOption(new Option('--test-policy <p>', 'behaviour for test data (default: navigation generator, else random)').choices([...BEHAVIOURS]))
    .option('--resume', 'keep datasets an interrupted run of the same command already finished')
    .option('--jobs <n>', 'build this many training datasets at a time, each in a worker thread (same datasets as one job)', integerIn(1, 64), 1)
    .option('--test-only', 'write only test.arrow (and held-out.arrow), the same as a full collection\'s with the same --seed and --envs, without a manifest: e.g. a smaller D_test with --test-size')
    .action(async (o: { domain: DomainId; out: string; seed: number; trainSize?: number; testSize?: number; heldOut?: number; envs?: number; trainPolicy?: (typeof BEHAVIOURS)[number]; testPolicy?: (typeof BEHAVIOURS)[number]; resume?: boolean; jobs: number; testOnly?: boolean }) => {
      const { collectTestToFolder, collectToFolder } = await import('../training/collect/index.js');
      const bar = progressReporter(`collect ${o.domain}`);
      // One bar over every dataset: with --jobs several are built at once.
      const domain = getDomain(o.domain);
      const trainTotal = o.testOnly ? 0 : (o.envs ?? domain.trainEnvCount) * (o.trainSize ?? domain.datasetSizes.trainPerEnv);
      const total = trainTotal + (o.testSize ?? domain.datasetSizes.test) + (o.heldOut ?? 0);
      const built = new Map<string, { done: number; of: number }>();
      const options = {
        domain: o.domain,
        seed: o.seed,
        ...(o.trainSize ? { trainSize: o.trainSize } : {}),
        ...(o.testSize ? { testSize: o.testSize } : {}),
        ...(o.heldOut ? { heldOut: o.heldOut } : {}),
        ...(o.envs ? { envs: o.envs } : {}),
        ...(o.trainPolicy ? { trainPolicy: o.trainPolicy } : {}),
        ...(o.testPolicy ? { testPolicy: o.testPolicy } : {}),
        onProgress: (role: string, index: number, done: number, of: number) => {
          const name = `${role} ${role === 'train' ? index : ''}`.trim();
          built.set(name, { done, of });
          const running = [...built].filter(([, b]) => b.done < b.of).map(([k]) => k);
          bar.update([...built.values()].reduce((a, b) => a + b.done, 0), total, running.length > 0 ? running.join(', ') : name);
        },
      };
      if (o.testOnly) {
        if (o.resume || o.jobs > 1) throw new UsageError('--test-only builds no training datasets: --resume and --jobs do not apply');
        const files = await collectTestToFolder(o.out, options).finally(() => bar.stop());
        console.log(`wrote ${files.join(', ')}`);
        return;
      }
      const manifest = await collectToFolder(o.out, options, { resume: o.resume === true, jobs: o.jobs }).finally(() => bar.stop());
      console.log(`wrote ${o.out}: ${manifest.train.length} training datasets, ${manifest.test}${manifest.heldOut ? `, ${manifest.heldOut}` : ''}`);
      console.log(`inspect with: mesa-shield data inspect ${o.out}`);
    });
}

function formatStats(stats: PhaseStats): string {
  return Object.entries(stats)
    .map(([k, v]) => `${k} ${Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toFixed(4)}`)
    .join(', ');
}

/** Ctrl-C stops after the current iteration, with a checkpoint. */
function interruptible(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return { signal: controller.signal, dispose: () => (process.off('SIGINT', onSignal), process.off('SIGTERM', onSignal)) };
}

function settingsFor(domain: string, override: { gammaRisk?: number; epsRisk?: number }) {
  return import('../training/settings.js').then(({ DOMAIN_SETTINGS }) => {
    if (isDomainId(domain)) {
      const s = DOMAIN_SETTINGS[domain];
      return { ...s, gammaRisk: override.gammaRisk ?? s.gammaRisk, epsRisk: override.epsRisk ?? s.epsRisk, known: true };
    }
    if (override.gammaRisk === undefined || override.epsRisk === undefined) {
      throw new Error(`data of domain "${domain}" has no default settings: give --gamma-risk and --eps-risk`);
    }
    return { gammaRisk: override.gammaRisk, epsRisk: override.epsRisk, posFraction: null, phase1Iterations: 10_000, phase2Iterations: 500, phase2Batch: 256, rrlIterations: 10_000, rrlBatch: 256, known: false };
  });
}

function trainCommand(): Command {
  return new Command('train')
    .description('offline training of a safety critic and recovery policy; writes a model bundle')
    .addOption(new Option('--method <m>', 'mesa: meta-learned over the training datasets (phase 1); multitask: pooled training datasets; rrl: the test dataset only').choices(['mesa', 'multitask', 'rrl']).makeOptionMandatory())
    .requiredOption('--data <dir>', 'dataset folder (from mesa-shield collect)')
    .requiredOption('--out <bundle>', 'model bundle folder to write')
    .option('--iterations <n>', "training iterations (default: the paper's for the domain)", integerIn(1))
    .option('--batch-size <n>', "batch size of RRL/Multi-Task updates (default: the paper's)", integerIn(1))
    .option('--seed <s>', 'seed of initialisation and sampling', integerIn(0, 2 ** 31 - 1), 0)
    .addOption(new Option('--critic <arch>', "critic architecture (default: the method's: weight-transform for mesa, twin-mlp otherwise)").choices(['weight-transform', 'mlp', 'twin-mlp']))
    .option('--first-order', 'MESA: first-order MAML instead of second order (faster, an approximation)')
    .option('--standardize-observations', "standardize observations inside critic and recovery policy with the training data's mean and std (folded into the exported models; the paper's networks take raw observations)")
    .option('--gamma-risk <g>', "discount of the risk critic (default: the domain's)", unitInterval)
    .option('--eps-risk <e>', "gating threshold written into the bundle (default: the domain's)", unitInterval)
    .option('--checkpoint <dir>', 'checkpoint folder (default: <out>.checkpoint); removed after success')
    .option('--checkpoint-every <n>', 'iterations between checkpoints', integerIn(1), 500)
    .option('--resume', 'continue from the checkpoint folder')
    .action(async (o: { method: 'mesa' | 'multitask' | 'rrl'; data: string; out: string; iterations?: number; batchSize?: number; seed: number; critic?: 'weight-transform' | 'mlp' | 'twin-mlp'; firstOrder?: boolean; standardizeObservations?: boolean; gammaRisk?: number; epsRisk?: number; checkpoint?: string; checkpointEvery: number; resume?: boolean }) => {
      const [{ initTrainingBackend }, { loadDatasetDir }, { sourceOf }, { train }, { defaultArchitecture }, { writeModelBundle }, { observationScaleOf }] = await Promise.all([
        import('../training/backend.js'),
        import('../training/data/index.js'),
        import('../training/batch.js'),
        import('../training/train.js'),
        import('../training/models.js'),
        import('../training/model-bundle.js'),
        import('../training/nn/observation-scale.js'),
      ]);
      console.error(`training backend: ${await initTrainingBackend()}`);
      const data = loadDatasetDir(o.data);
      const domain = data.manifest.domain;
      const s = await settingsFor(domain, o);
      const arch = defaultArchitecture(o.method);
      const first = data.train[0].meta;
      if (!isDomainId(domain)) throw new Error(`data of domain "${domain}": action bounds unknown; train on data of a simulated domain`);
      const spaces = await domainSpaces(domain);
      const actionBounds = { low: Array.from(spaces.action.low), high: Array.from(spaces.action.high) };
      const iterations = o.iterations ?? (o.method === 'rrl' ? s.rrlIterations : s.phase1Iterations);
      const batchSize = o.batchSize ?? (o.method === 'rrl' ? s.rrlBatch : 256);
      const checkpointDir = o.checkpoint ?? `${o.out}.checkpoint`;
      // Statistics of the data the method learns from: the training environments', or (RRL) the test data.
      const scaleData = o.method === 'rrl' ? [data.test.transitions] : data.train.map((d) => d.transitions);
      const observationScale = o.standardizeObservations ? observationScaleOf(scaleData, first.observationSize) : null;
      const stop = interruptible();
      const bar = progressReporter(`train ${o.method}`);
      const result = await train(
        {
          method: o.method,
          spec: { method: o.method, domain, observationSize: first.observationSize, actionLow: actionBounds.low, actionHigh: actionBounds.high, criticArchitecture: o.critic ?? arch.critic, criticHidden: null, recoveryKind: arch.recovery, observationScale },
          train: data.train.map((d) => sourceOf([d.transitions], s.posFraction)),
          pooled: sourceOf(data.train.map((d) => d.transitions), s.posFraction),
          test: sourceOf([data.test.transitions], s.posFraction),
          gammaRisk: s.gammaRisk,
          iterations,
          batchSize,
          seed: o.seed,
          ...(o.firstOrder ? { maml: { order: 'first' as const } } : {}),
        },
        { checkpointDir, checkpointEvery: o.checkpointEvery, resume: o.resume === true, signal: stop.signal, onProgress: (p: Progress) => bar.update(p.iteration, p.total, formatStats(p.stats)) },
      ).finally(() => (bar.stop(), stop.dispose()));
      if (!result.completed) {
        console.error(`stopped at iteration ${result.iterations} of ${iterations}; checkpoint in ${checkpointDir}. Continue with the same command and --resume.`);
        process.exitCode = 130;
        return;
      }
      const command = `mesa-shield train --method ${o.method} --data ${o.data} --out ${o.out} --seed ${o.seed}${o.iterations ? ` --iterations ${o.iterations}` : ''}${o.standardizeObservations ? ' --standardize-observations' : ''}`;
      await writeModelBundle(o.out, result.models, {
        epsRisk: s.epsRisk,
        gammaRisk: s.gammaRisk,
        observationSpace: spaces.observation,
        provenance: { datasets: [o.data], iterations: { [result.phase]: result.iterations }, seed: o.seed, command },
        ...continuedState(result),
      });
      rmSync(checkpointDir, { recursive: true, force: true });
      console.log(`wrote ${o.out} (${o.method}, ${result.iterations} iterations; last: ${result.lastStats ? formatStats(result.lastStats) : '-'})`);
    });
}

/** Only Multi-Task's later phases continue its optimizers; MESA's would add two copies of its 2.1M parameters to the bundle. */
function continuedState(result: PhaseResult): { phaseState?: PhaseResult['phaseState'] } {
  return result.models.spec.method === 'multitask' ? { phaseState: result.phaseState } : {};
}

/** The observation and action boxes of a simulated domain (read off its test environment). */
async function domainSpaces(domain: DomainId) {
  const spec = getDomain(domain);
  const { Rng } = await import('../sim/index.js');
  const env = await spec.make(spec.sampleEnvironments(new Rng(0)).test);
  try {
    return { observation: env.observationSpace, action: env.actionSpace };
  } finally {
    env.close();
  }
}

/** A `.arrow` file, or a dataset folder's test dataset. */
async function loadTestData(path: string) {
  const { loadTestDataset } = await import('../training/data/index.js');
  return statSync(path).isDirectory() ? loadTestDataset(join(path, 'test.arrow')) : loadTestDataset(path);
}

/** The new robot's data for `adapt`: a dataset file or folder, or MCAP logs through a mapping. */
async function loadAdaptData(o: { data?: string; fromLog?: string[]; mapping?: string }) {
  if (o.fromLog) {
    const { datasetFromLogs } = await import('./log-commands.js');
    const { dataset, report } = await datasetFromLogs(o.fromLog, o.mapping);
    const { describeImport } = await import('../runtime/log/index.js');
    console.error(`from logs: ${describeImport(report)}`);
    return { data: dataset, label: o.fromLog.join(' '), sources: o.fromLog, option: `--from-log ${o.fromLog.join(' ')}${o.mapping ? ` --mapping ${o.mapping}` : ''}` };
  }
  const path = o.data as string;
  return { data: await loadTestData(path), label: path, sources: [path], option: `--data ${path}` };
}

function adaptCommand(): Command {
  const command = new Command('adapt')
    .description('adapt a bundle\'s critic and recovery policy to a new robot with a small dataset (phase 2); writes a new bundle')
    .requiredOption('--bundle <dir>', 'model bundle written by mesa-shield train or adapt')
    .option('--data <path>', "dataset of the new robot: a .arrow file, or a dataset folder (its test.arrow)")
    .option('--from-log <files...>', "instead of --data: MCAP logs of the new robot, the shield's transition logs or rosbag2 bags (with --mapping)")
    .option('--mapping <yaml>', "how the --from-log files map to transitions (default: the shield's own logs, applied actions); see the README, \"Transition logs\"")
    .requiredOption('--out <bundle>', 'model bundle folder to write')
    .option('--iterations <n>', "adaptation iterations (default: the paper's phase-2 count for the domain)", integerIn(1))
    .option('--batch-size <n>', "batch size (default: the paper's)", integerIn(1))
    .option('--seed <s>', 'seed of sampling', integerIn(0, 2 ** 31 - 1), 0)
    .option('--lr <rate>', "Adam learning rate of critic and recovery policy (default: MESA 1e-4 for the critic and 1e-3 for the recovery policy, otherwise 3e-4 for both)", unitInterval)
    .option('--checkpoint <dir>', 'checkpoint folder (default: <out>.checkpoint); removed after success')
    .option('--resume', 'continue from the checkpoint folder');
  return command.action(async (o: { bundle: string; data?: string; fromLog?: string[]; mapping?: string; out: string; iterations?: number; batchSize?: number; seed: number; lr?: number; checkpoint?: string; resume?: boolean }) => {
    if ((o.data === undefined) === (o.fromLog === undefined)) {
      command.error(`error: give the new robot's data with exactly one of --data <path> or --from-log <files...>${o.data !== undefined ? ', not both' : ''}`, { exitCode: 1 });
    }
    if (o.mapping !== undefined && o.fromLog === undefined) command.error('error: --mapping applies to --from-log only', { exitCode: 1 });
    const [{ initTrainingBackend }, { sourceOf }, { adapt }, { readModelBundle, writeModelBundle }] = await Promise.all([
      import('../training/backend.js'),
      import('../training/batch.js'),
      import('../training/train.js'),
      import('../training/model-bundle.js'),
    ]);
    console.error(`training backend: ${await initTrainingBackend()}`);
    const { manifest, models, phaseState } = await readModelBundle(o.bundle);
    const { data, label, sources, option } = await loadAdaptData(o);
    if (data.meta.observationSize !== models.spec.observationSize || data.meta.actionSize !== models.spec.actionLow.length) {
      throw new Error(`${label}: obs ${data.meta.observationSize}/act ${data.meta.actionSize}, but the bundle's models take obs ${models.spec.observationSize}/act ${models.spec.actionLow.length}`);
    }
    const s = await settingsFor(manifest.domain, { gammaRisk: manifest.risk.gammaRisk, epsRisk: manifest.risk.epsRisk });
    const iterations = o.iterations ?? s.phase2Iterations;
    const checkpointDir = o.checkpoint ?? `${o.out}.checkpoint`;
    const stop = interruptible();
    const bar = progressReporter(`adapt ${models.spec.method}`);
    const result = await adapt(
      { models, phaseState, data: sourceOf([data.transitions], s.posFraction), gammaRisk: s.gammaRisk, iterations, batchSize: o.batchSize ?? s.phase2Batch, seed: o.seed, ...(o.lr ? { rates: { criticLr: o.lr, recoveryLr: o.lr } } : {}) },
      { checkpointDir, resume: o.resume === true, signal: stop.signal, onProgress: (p) => bar.update(p.iteration, p.total, formatStats(p.stats)) },
    ).finally(() => (bar.stop(), stop.dispose()));
    if (!result.completed) {
      console.error(`stopped at iteration ${result.iterations} of ${iterations}; checkpoint in ${checkpointDir}. Continue with the same command and --resume.`);
      process.exitCode = 130;
      return;
    }
    await writeModelBundle(o.out, result.models, {
      epsRisk: manifest.risk.epsRisk,
      gammaRisk: manifest.risk.gammaRisk,
      ...(isDomainId(manifest.domain) ? { observationSpace: (await domainSpaces(manifest.domain)).observation } : {}),
      neutralAction: manifest.neutralAction,
      ...continuedState(result),
      provenance: {
        datasets: [...manifest.provenance.datasets, ...sources],
        iterations: { ...manifest.provenance.iterations, adapt: result.iterations },
        seed: o.seed,
        command: `mesa-shield adapt --bundle ${o.bundle} ${option} --out ${o.out} --seed ${o.seed}${o.lr ? ` --lr ${o.lr}` : ''}`,
      },
    });
    if (existsSync(checkpointDir)) rmSync(checkpointDir, { recursive: true, force: true });
    console.log(`wrote ${o.out} (${models.spec.method} adapted for ${result.iterations} iterations on ${data.meta.size} transitions)`);
  });
}

function evalCriticCommand(): Command {
  return new Command('eval-critic')
    .description('how well bundles\' critics predict violations on held-out data: AUROC and a reliability plot')
    .requiredOption('--bundle <dir...>', 'one or more model bundles')
    .requiredOption('--data <path>', 'held-out dataset: a .arrow file, or a dataset folder (its held-out.arrow, else test.arrow)')
    .option('--horizon <n>', 'a positive is a violation within this many steps (default: 1 / (1 - gamma_risk))', integerIn(1))
    .option('--plot <file>', 'write the reliability diagram (.svg or .png)')
    .option('--json', 'print JSON')
    .action(async (o: { bundle: string[]; data: string; horizon?: number; plot?: string; json?: boolean }) => {
      const [{ readBundle }, evalModule] = await Promise.all([import('../models/format/index.js'), import('../training/eval/index.js')]);
      const [{ HELD_OUT_FILE }, { TEST_FILE }] = await Promise.all([import('../training/collect/index.js'), import('../training/data/index.js')]);
      const folder = statSync(o.data).isDirectory();
      const heldOut = folder && existsSync(join(o.data, HELD_OUT_FILE)) ? join(o.data, HELD_OUT_FILE) : o.data;
      // D_test is what RRL trained on and MESA adapted on: scores on it flatter them.
      if (folder && heldOut === o.data) console.error(`warning: ${o.data} has no ${HELD_OUT_FILE}; evaluating on ${TEST_FILE}, which the bundles may have been trained on (collect --held-out N writes held-out data)`);
      const data = await loadTestData(heldOut);
      const rows: { bundle: string; method: string; evaluation: Awaited<ReturnType<typeof evalModule.evaluateCritic>> }[] = [];
      for (const dir of o.bundle) {
        const bundle = await readBundle(dir);
        const { observation, action } = bundle.manifest;
        if (observation.size !== data.meta.observationSize || action.size !== data.meta.actionSize) {
          throw new Error(`${dir} takes obs ${observation.size}/act ${action.size}, but ${heldOut} has obs ${data.meta.observationSize}/act ${data.meta.actionSize}`);
        }
        const { risk, release } = await evalModule.bundleRisk(bundle);
        try {
          const evaluation = await evalModule.evaluateCritic(risk, data.transitions, { gammaRisk: bundle.manifest.risk.gammaRisk, ...(o.horizon ? { horizon: o.horizon } : {}) });
          rows.push({ bundle: dir, method: bundle.manifest.provenance.method, evaluation });
        } finally {
          await release();
        }
      }
      if (o.plot) {
        const svg = await evalModule.renderSvg(evalModule.reliabilitySpec(rows.map((r) => ({ label: `${r.method} (${r.bundle})`, bins: r.evaluation.bins })), `critic calibration on ${heldOut}`));
        const { writeFileSync } = await import('node:fs');
        writeFileSync(o.plot, o.plot.endsWith('.png') ? evalModule.svgToPng(svg) : svg);
      }
      if (o.json) {
        console.log(JSON.stringify({ data: heldOut, results: rows }));
        return;
      }
      console.log(`held-out data: ${heldOut} (${data.meta.size} transitions, ${data.meta.violations} violations)`);
      console.log(
        table(
          ['bundle', 'method', 'AUROC', 'horizon', 'positives', 'calibration error'],
          rows.map((r) => [r.bundle, r.method, r.evaluation.auroc === null ? 'n/a (one class)' : r.evaluation.auroc.toFixed(3), `${r.evaluation.horizon}`, `${r.evaluation.positives}`, r.evaluation.expectedCalibrationError.toFixed(3)]),
        ),
      );
      if (o.plot) console.log(`reliability diagram: ${o.plot}`);
    });
}
