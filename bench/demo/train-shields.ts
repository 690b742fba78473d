/**
 * The offline half of the demo, as library calls of what `collect`, `train` and `adapt` do:
 * datasets of a few training robots and a small one of the new robot, MESA meta-trained over the
 * former and adapted with the latter, and Recovery RL trained on the new robot's data alone.
 */
import { join } from 'node:path';
import { getDomain, Rng, type Env, type EnvParams } from '../../sim/index.js';
import { sourceOf } from '../../training/batch.js';
import { collect } from '../../training/collect/index.js';
import { writeDatasetDir, type Dataset } from '../../training/data/index.js';
import { defaultArchitecture, type Method, type ModelSpec } from '../../training/models.js';
import { writeModelBundle } from '../../training/model-bundle.js';
import { observationScaleOf } from '../../training/nn/observation-scale.js';
import { DOMAIN_SETTINGS } from '../../training/settings.js';
import { adapt, train, type PhaseResult, type Progress } from '../../training/train.js';
import type { DemoSettings } from './settings.js';

export const DEMO_DOMAIN = 'navigation1' as const;
const risk = DOMAIN_SETTINGS[DEMO_DOMAIN];

export interface DemoData {
  readonly dir: string;
  readonly train: readonly Dataset[];
  readonly test: Dataset;
  /** The new robot: the test environment D_test was collected in. */
  readonly testEnvironment: EnvParams;
}

/** Training datasets (navigation generator, one per robot) and D_test from the seed's test robot, written as a dataset folder. */
export async function collectDemoData(s: DemoSettings, dir: string, onProgress: (done: number, total: number) => void): Promise<DemoData> {
  const domain = getDomain(DEMO_DOMAIN);
  const total = s.trainEnvs * s.trainSize + s.testSize;
  const done = new Map<string, number>();
  const { train, test } = await collect({
    domain: DEMO_DOMAIN,
    seed: s.seed,
    envs: s.trainEnvs,
    trainSize: s.trainSize,
    testSize: s.testSize,
    onProgress: (role, index, transitions) => {
      done.set(`${role}-${index}`, transitions);
      onProgress([...done.values()].reduce((a, b) => a + b, 0), total);
    },
  });
  writeDatasetDir(dir, { domain: DEMO_DOMAIN, seed: s.seed, train, test });
  // collect() draws the environments first from the seed's stream; comparing with the description
  // in D_test's metadata pins that the online runs use the very robot its data came from.
  const testEnvironment = domain.sampleEnvironments(new Rng(s.seed).fork('environments')).test;
  const described = test.meta.environments[0]?.description;
  if (described !== domain.describe(testEnvironment)) throw new Error(`D_test was collected in ${described}, not in the seed's test environment ${domain.describe(testEnvironment)}`);
  return { dir, train, test, testEnvironment };
}

export interface TrainedShield {
  readonly method: Method;
  readonly bundle: string;
  readonly iterations: Readonly<Record<string, number>>;
}

type StageProgress = (p: Progress) => void;

function specFor(method: Method, data: DemoData, s: DemoSettings, env: Pick<Env, 'actionSpace'>): ModelSpec {
  const arch = defaultArchitecture(method);
  const { observationSize } = data.test.meta;
  // Statistics of the data each method learns from (as `train --standardize-observations`).
  const scaleData = method === 'rrl' ? [data.test.transitions] : data.train.map((d) => d.transitions);
  return {
    method,
    domain: DEMO_DOMAIN,
    observationSize,
    actionLow: Array.from(env.actionSpace.low),
    actionHigh: Array.from(env.actionSpace.high),
    criticArchitecture: arch.critic,
    criticHidden: null,
    recoveryKind: arch.recovery,
    observationScale: s.standardizeObservations ? observationScaleOf(scaleData, observationSize) : null,
  };
}

/** The new robot's environment, for its observation and action spaces. */
function newRobot(data: DemoData): Promise<Env> {
  return getDomain(DEMO_DOMAIN).make(data.testEnvironment);
}

const testSource = (data: DemoData) => sourceOf([data.test.transitions], risk.posFraction);

/** What `train` takes: the training datasets one by one and pooled, and D_test. */
function trainingSources(data: DemoData) {
  return {
    train: data.train.map((d) => sourceOf([d.transitions], risk.posFraction)),
    pooled: sourceOf(data.train.map((d) => d.transitions), risk.posFraction),
    test: testSource(data),
  };
}

async function writeShield(dir: string, result: PhaseResult, data: DemoData, s: DemoSettings, iterations: Record<string, number>, env: Env): Promise<void> {
  await writeModelBundle(dir, result.models, {
    epsRisk: risk.epsRisk,
    gammaRisk: risk.gammaRisk,
    observationSpace: env.observationSpace,
    provenance: { datasets: [data.dir], iterations, seed: s.seed, command: `mesa-shield demo --seed ${s.seed}`, notes: 'demo scale: see the demo summary for how it differs from the paper' },
  });
}

/** MESA phase 1 over the training datasets: `<out>/mesa-phase1`. */
export async function metaTrain(data: DemoData, s: DemoSettings, out: string, onProgress: StageProgress): Promise<{ result: PhaseResult; shield: TrainedShield }> {
  const env = await newRobot(data);
  try {
    const result = await train(
      { method: 'mesa', spec: specFor('mesa', data, s, env), ...trainingSources(data), gammaRisk: risk.gammaRisk, iterations: s.metaIterations, batchSize: 256, seed: s.seed, maml: { outerLr: s.metaOuterLr } },
      { onProgress },
    );
    const iterations = { meta: result.iterations };
    const bundle = join(out, 'mesa-phase1');
    await writeShield(bundle, result, data, s, iterations, env);
    return { result, shield: { method: 'mesa', bundle, iterations } };
  } finally {
    env.close();
  }
}

/** Phase 2: the meta-trained critic and recovery policy adapted on D_test: `<out>/mesa`. */
export async function adaptToRobot(phase1: PhaseResult, data: DemoData, s: DemoSettings, out: string, onProgress: StageProgress): Promise<TrainedShield> {
  const env = await newRobot(data);
  try {
    const result = await adapt(
      { models: phase1.models, data: testSource(data), gammaRisk: risk.gammaRisk, iterations: s.adaptIterations, batchSize: s.adaptBatch, seed: s.seed, rates: { criticLr: s.adaptLr } },
      { onProgress },
    );
    const iterations = { meta: phase1.iterations, adapt: result.iterations };
    const bundle = join(out, 'mesa');
    await writeShield(bundle, result, data, s, iterations, env);
    return { method: 'mesa', bundle, iterations };
  } finally {
    env.close();
  }
}

/** Recovery RL's critic and recovery policy trained from scratch on D_test alone: `<out>/rrl`. */
export async function trainRrl(data: DemoData, s: DemoSettings, out: string, onProgress: StageProgress): Promise<TrainedShield> {
  const env = await newRobot(data);
  try {
    const result = await train(
      { method: 'rrl', spec: specFor('rrl', data, s, env), ...trainingSources(data), gammaRisk: risk.gammaRisk, iterations: s.rrlIterations, batchSize: s.rrlBatch, seed: s.seed },
      { onProgress },
    );
    const iterations = { 'test-data': result.iterations };
    const bundle = join(out, 'rrl');
    await writeShield(bundle, result, data, s, iterations, env);
    return { method: 'rrl', bundle, iterations };
  } finally {
    env.close();
  }
}
