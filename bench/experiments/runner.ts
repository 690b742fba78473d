/**
 * One phase-3 run (domain, method, seed) from start or from its checkpoint to the episode budget:
 * sets up the test robot, D_test, the starting bundle and the networks, runs episodes, appends
 * their records and checkpoints every `checkpointEvery` episodes and when stopped.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, Shield, shieldOptions } from '../../runtime/index.js';
import { getDomain, Rng, type Env } from '../../sim/index.js';
import { initTrainingBackend } from '../../training/backend.js';
import { collect } from '../../training/collect/index.js';
import { ReplayBuffer, type Dataset, type Transitions } from '../../training/data/index.js';
import { readModelBundle } from '../../training/model-bundle.js';
import { checkpointExists } from '../../training/checkpoint.js';
import { loadAdam } from '../../training/phases.js';
import { RiskLearner, type RiskLearnerState } from '../../training/risk-learner.js';
import { Sac, TaskReplay } from '../../training/sac.js';
import { TAU_RISK } from '../../training/settings.js';
import { liveShieldModels } from './live-models.js';
import { runEpisode, STREAM_NAMES, type Counters, type OnlineLoop, type RunStreams, type SafetyParts } from './online-loop.js';
import { appendEpisode, CHECKPOINT_DIR, EPISODES_FILE, readEpisodes, readRunMeta, runDir, truncateEpisodes, writeRunMeta, type EpisodeRecord, type RunMeta } from './records.js';
import { loadRunState, saveRunState } from './run-state.js';
import { paperEpisodes, paperPosFraction, paperTestSize, riskUpdateSettings, sacSettings, type ExperimentSettings } from './settings.js';

/** Capacity of the risk buffer (spec: 2e6, never full in the paper's budgets). */
const RISK_BUFFER_CAPACITY = 2_000_000;

export interface ExperimentControl {
  /** The command line that started the run, for run.json. */
  readonly command: string;
  readonly onEpisode?: (r: EpisodeRecord) => void;
  /** Checkpoint and stop after the current episode when aborted. */
  readonly signal?: AbortSignal;
  /** Checkpoint and stop once this many episodes are done (an interruption on purpose, for tests). */
  readonly stopAfter?: number;
}

export interface ExperimentOutcome {
  readonly dir: string;
  readonly records: readonly EpisodeRecord[];
  readonly completed: boolean;
  /** Episodes already done when the run resumed from its checkpoint (null: a fresh start). */
  readonly resumedAt: number | null;
}

/** The seed's test robot and its D_test, exactly as `mesa-shield collect --seed <dataSeed>` makes them. */
async function testRobot(s: ExperimentSettings): Promise<{ env: Env; dTest: Dataset; description: string }> {
  const domain = getDomain(s.domain);
  const { test } = await collect({ domain: s.domain, seed: s.dataSeed, testSize: s.testSize, testOnly: true });
  const params = domain.sampleEnvironments(new Rng(s.dataSeed).fork('environments')).test;
  const description = domain.describe(params);
  if (test.meta.environments[0]?.description !== description) throw new Error(`D_test was collected in ${test.meta.environments[0]?.description}, not in ${description}`);
  return { env: await domain.make(params), dTest: test, description };
}

/** Whether a run may continue with these settings: how often it checkpoints does not change its results. */
function sameSettings(a: ExperimentSettings, b: ExperimentSettings): boolean {
  return JSON.stringify({ ...a, checkpointEvery: 0 }) === JSON.stringify({ ...b, checkpointEvery: 0 });
}

export async function runExperiment(s: ExperimentSettings, out: string, control: ExperimentControl): Promise<ExperimentOutcome> {
  const dir = runDir(out, s);
  const earlier = readRunMeta(dir);
  if (earlier && !sameSettings(earlier.settings, s)) throw new Error(`${dir} holds a run with other settings (${JSON.stringify(earlier.settings)}); use another output folder`);
  if (earlier?.status === 'done') return { dir, records: readEpisodes(dir), completed: true, resumedAt: null };
  mkdirSync(dir, { recursive: true });
  await initTrainingBackend();

  const { env, dTest, description } = await testRobot(s);
  const warnings: string[] = [];
  if (s.episodes < paperEpisodes(s.domain)) warnings.push(`${s.episodes} episodes of the paper's ${paperEpisodes(s.domain)}: a reduced-scale run`);
  if (s.testSize !== paperTestSize(s.domain)) warnings.push(`D_test of ${s.testSize} transitions, the paper's is ${paperTestSize(s.domain)}`);
  if (s.tauRisk !== undefined) warnings.push(`the risk target network moves with Polyak rate ${s.tauRisk}, the reference's is ${TAU_RISK}`);
  const paperPos = paperPosFraction(s.domain);
  if (s.method !== 'unconstrained' && s.posFraction !== paperPos) warnings.push(`risk batches with ${s.posFraction} of them violating, the paper's are ${paperPos === null ? 'uniform' : `${paperPos} violating`}`);
  const bundle = s.bundle ? await readModelBundle(s.bundle) : null;
  if (bundle) {
    const { spec } = bundle.models;
    if (spec.method !== s.method || spec.domain !== s.domain) throw new Error(`${s.bundle} is a ${spec.method} bundle for ${spec.domain}, not ${s.method} for ${s.domain}`);
    const seed = bundle.manifest.provenance.seed;
    if (seed !== s.dataSeed) warnings.push(`the bundle was built with seed ${seed}, the test robot and D_test are seed ${s.dataSeed}'s`);
    if (spec.observationScale) warnings.push('the bundle standardizes observations inside its networks (not the paper\'s recipe)');
  }

  const rng = new Rng(s.seed);
  const sacConfig = sacSettings(s);
  const sac = new Sac(env.observationSpace.size, env.actionSpace, sacConfig, rng.fork('sac-init'));
  let replay = new TaskReplay(env.observationSpace.size, env.actionSpace.size, sacConfig.replayCapacity);
  let streams = Object.fromEntries(STREAM_NAMES.map((n) => [n, rng.fork(n)])) as unknown as RunStreams;
  let counters: Counters = { episodes: 0, steps: 0, sacUpdates: 0, riskUpdates: 0 };
  let riskStart: { critic: Float32Array[]; recovery: Float32Array[]; state: RiskLearnerState | undefined; online: Transitions | null } | null = null;
  if (bundle) {
    const { models, phaseState } = bundle;
    // Multi-Task's phases continue one pair of Adam optimizers (spec 5.3); the bundle carries them.
    const continued =
      s.method === 'multitask' && phaseState
        ? {
            criticOptimizer: loadAdam(phaseState.tensors, 'phase.opt.critic', (phaseState.meta.optimizers as Record<string, unknown>).critic, models.critic.shapes),
            recoveryOptimizer: loadAdam(phaseState.tensors, 'phase.opt.recovery', (phaseState.meta.optimizers as Record<string, unknown>).recovery, models.recovery.shapes),
            targetValues: null,
          }
        : undefined;
    riskStart = { critic: models.criticValues, recovery: models.recoveryValues, state: continued, online: null };
  }

  const checkpoint = join(dir, CHECKPOINT_DIR);
  let resumedAt: number | null = null;
  if (earlier && checkpointExists(checkpoint)) {
    const loaded = loadRunState(
      checkpoint,
      { sacActor: sac.actor.shapes, sacCritic: sac.critic.shapes, riskCritic: bundle?.models.critic.shapes ?? null, recovery: bundle?.models.recovery.shapes ?? null },
      { observationSize: env.observationSpace.size, actionSize: env.actionSpace.size },
    );
    sac.load(loaded.sac);
    replay = loaded.replay;
    streams = loaded.streams;
    counters = loaded.counters;
    if (loaded.risk) riskStart = { ...loaded.risk };
    truncateEpisodes(dir, counters.episodes);
    resumedAt = counters.episodes;
  } else {
    writeFileSync(join(dir, EPISODES_FILE), '');
    const meta: RunMeta = {
      settings: s,
      status: 'running',
      paperEpisodes: paperEpisodes(s.domain),
      bundle: bundle && s.bundle ? { path: s.bundle, method: bundle.manifest.provenance.method, seed: bundle.manifest.provenance.seed, iterations: { ...bundle.manifest.provenance.iterations }, createdAt: bundle.manifest.provenance.createdAt } : null,
      testEnvironment: description,
      dTest: { size: dTest.meta.size, violations: dTest.meta.violations },
      warnings,
      command: control.command,
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    writeRunMeta(dir, meta);
  }

  let safety: SafetyParts | null = null;
  if (bundle && riskStart) {
    const learner = new RiskLearner(bundle.models.critic, riskStart.critic, bundle.models.recovery, riskStart.recovery, riskUpdateSettings(bundle.models.spec.method, s), riskStart.state);
    const buffer = new ReplayBuffer(env.observationSpace.size, env.actionSpace.size, RISK_BUFFER_CAPACITY);
    buffer.pushAll(dTest.transitions);
    if (riskStart.online) buffer.pushAll(riskStart.online);
    const models = liveShieldModels(bundle.manifest, learner, streams.gate);
    const shield = new Shield(models, shieldOptions(parseConfig({ bundle: s.bundle!, shield: { eps_safe: s.epsRisk } }).shield, models));
    safety = { learner, shield, buffer, onlineFrom: dTest.transitions.size, posFraction: s.posFraction, epsRisk: s.epsRisk };
  }

  const loop: OnlineLoop = { env, sac, replay, safety, streams, counters, startSteps: s.startSteps, batchSize: s.batchSize };
  const save = () => saveRunState(checkpoint, { sac, replay, risk: safety ? { learner: safety.learner, buffer: safety.buffer, onlineFrom: safety.onlineFrom } : null, streams, counters });
  try {
    while (counters.episodes < s.episodes) {
      const t0 = performance.now();
      const episode = await runEpisode(loop);
      const record: EpisodeRecord = { ...episode, seconds: (performance.now() - t0) / 1000 };
      appendEpisode(dir, record);
      control.onEpisode?.(record);
      // An episode's awaits all settle as microtasks; without a macrotask turn here a SIGINT
      // handler (the command line's Ctrl-C) would never run and the run could not be stopped.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const stopping = control.signal?.aborted || (control.stopAfter !== undefined && counters.episodes >= control.stopAfter);
      if (counters.episodes < s.episodes && (stopping || counters.episodes % s.checkpointEvery === 0)) save();
      if (stopping && counters.episodes < s.episodes) return { dir, records: readEpisodes(dir), completed: false, resumedAt };
    }
    const meta = readRunMeta(dir)!;
    writeRunMeta(dir, { ...meta, status: 'done', finishedAt: new Date().toISOString() });
    rmSync(checkpoint, { recursive: true, force: true });
    return { dir, records: readEpisodes(dir), completed: true, resumedAt };
  } finally {
    sac.dispose();
    safety?.learner.dispose();
    env.close();
  }
}
