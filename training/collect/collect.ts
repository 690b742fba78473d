/**
 * Builds a domain's offline datasets (spec section 2): one per training environment and the small
 * test-environment dataset, written as a dataset folder.
 *   navigation     training and test: the navigation generators (random actions near obstacles)
 *   cartpole       training: the replay buffer of an early-stopped SAC run; test: random episodes
 *   locomotion     training: the replay buffer of an early-stopped SAC run; test: random episodes
 * Behaviour episodes never end on a violation; done = constraint (mask = 1 - c).
 */
import { getDomain, isDomainId, NavigationEnv, Rng, type DomainId, type Env, type EnvParams } from '../../sim/index.js';
import { SAC_DEFAULTS } from '../sac.js';
import { DOMAIN_SETTINGS } from '../settings.js';
import { sacCollector } from './sac-collector.js';
import { makeDataset, type Dataset, type TransitionBuilder } from '../data/index.js';
import { navigationTransitions } from './navigation-generators.js';
import { randomEpisodes } from './random-episodes.js';

export type BehaviourPolicy = 'navigation-generator' | 'random' | 'sac';
export type DatasetRole = 'train' | 'test' | 'held-out';

/** Produces a training dataset's transitions with SAC (supplied by the caller: SAC lives in `training/`). */
export type SacCollector = (env: Env, size: number, rng: Rng, onProgress: (done: number) => void) => Promise<TransitionBuilder>;

export interface CollectOptions {
  readonly domain: DomainId;
  readonly seed: number;
  /** Transitions per training environment (default: the paper's). */
  readonly trainSize?: number;
  /** Transitions in the test dataset (default: the paper's). */
  readonly testSize?: number;
  /** How many training environments to collect (default: all of the distribution's). */
  readonly envs?: number;
  readonly trainPolicy?: BehaviourPolicy;
  readonly testPolicy?: BehaviourPolicy;
  /** Also collect this many held-out test-environment transitions (for evaluating critics), from their own random stream. */
  readonly heldOut?: number;
  /**
   * Collect only the test (and held-out) data, identical to a full collection's with the same
   * options: the training datasets' random streams are still drawn, just not used.
   */
  readonly testOnly?: boolean;
  /** How SAC data is produced (default: `sacCollector` with the domain's start steps). */
  readonly sac?: SacCollector;
  readonly onProgress?: (role: DatasetRole, index: number, transitions: number, of: number) => void;
}

function defaultPolicies(domain: DomainId): { train: BehaviourPolicy; test: BehaviourPolicy } {
  return domain.startsWith('navigation') ? { train: 'navigation-generator', test: 'navigation-generator' } : { train: 'sac', test: 'random' };
}

const NAVIGATION_GENERATION_SIZE = 10_000;

export interface Collection {
  readonly train: Dataset[];
  readonly test: Dataset;
  readonly heldOut: Dataset | null;
}

/** Where finished datasets go, and where earlier finished ones can be picked up (resume). */
export interface DatasetStore {
  /** A finished dataset from an earlier run with the same source and size, if any. */
  reuse(role: DatasetRole, index: number, source: string, size: number): Dataset | null;
  save(role: DatasetRole, index: number, dataset: Dataset): void;
}

/** One collection's datasets, each buildable on its own: every dataset has its own random stream. */
export interface CollectionPlan {
  readonly envCount: number;
  train(index: number): Promise<Dataset>;
  test(): Promise<Dataset>;
  heldOut(): Promise<Dataset | null>;
}

export function collectionPlan(options: CollectOptions, store: DatasetStore | undefined): CollectionPlan {
  const domain = getDomain(options.domain);
  const rng = new Rng(options.seed);
  const set = domain.sampleEnvironments(rng.fork('environments'));
  const envCount = options.envs ?? set.train.length;
  if (!Number.isInteger(envCount) || envCount < 1 || envCount > set.train.length) {
    throw new Error(`${domain.id} has ${set.train.length} training environments; cannot collect ${envCount}`);
  }
  const trainSize = options.trainSize ?? domain.datasetSizes.trainPerEnv;
  const testSize = options.testSize ?? domain.datasetSizes.test;
  const policies = { ...defaultPolicies(domain.id), ...(options.trainPolicy ? { train: options.trainPolicy } : {}), ...(options.testPolicy ? { test: options.testPolicy } : {}) };
  const command = `mesa-shield collect --domain ${domain.id} --seed ${options.seed}`;

  const build = async (params: EnvParams, policy: BehaviourPolicy, size: number, role: DatasetRole, index: number, streams: Rng): Promise<Dataset> => {
    const source = `${command} (${role === 'train' ? `training environment ${index}` : `test environment, ${role} data`}, ${policy})`;
    const earlier = store?.reuse(role, index, source, size);
    if (earlier) {
      options.onProgress?.(role, index, size, size);
      return earlier;
    }
    const env = await domain.make(params, { endOnViolation: false });
    const progress = (done: number) => options.onProgress?.(role, index, done, size);
    try {
      let builder: TransitionBuilder;
      if (policy === 'navigation-generator') {
        if (!(env instanceof NavigationEnv)) throw new Error(`the navigation generator only applies to the navigation domains, not ${domain.id}`);
        // D_test is the head of a 10K-transition generation, as in the reference.
        builder = navigationTransitions(env, size, streams, role === 'test' ? Math.max(size, NAVIGATION_GENERATION_SIZE) : size);
      } else if (policy === 'random') {
        builder = randomEpisodes(env, size, streams);
      } else {
        const sac = options.sac ?? sacCollector({ startSteps: isDomainId(domain.id) ? DOMAIN_SETTINGS[domain.id].startSteps : SAC_DEFAULTS.startSteps });
        builder = await sac(env, size, streams, progress);
      }
      progress(builder.size);
      const dataset = makeDataset(builder.freeze(), {
        domain: domain.id,
        environments: [{ description: domain.describe(params), params: JSON.parse(JSON.stringify(params)) }],
        policy,
        source,
      });
      store?.save(role, index, dataset);
      return dataset;
    } finally {
      env.close();
    }
  };

  // Forked in this order whatever is collected, so a dataset does not depend on which others are:
  // one stream per training environment of the distribution, so that D_test and the held-out data
  // of a reduced collection (--envs) are the full collection's, which phase 3 starts from.
  const trainStreams = Array.from({ length: set.train.length }, (_, i) => rng.fork(`train-${i}`));
  const testStreams = rng.fork('test-0');
  const heldOutStreams = rng.fork('held-out-0');
  return {
    envCount,
    train: (i) => build(set.train[i], policies.train, trainSize, 'train', i, trainStreams[i]),
    test: () => build(set.test, policies.test, testSize, 'test', 0, testStreams),
    heldOut: async () => (options.heldOut ? build(set.test, policies.test, options.heldOut, 'held-out', 0, heldOutStreams) : null),
  };
}

export async function collect(options: CollectOptions, store?: DatasetStore): Promise<Collection> {
  const plan = collectionPlan(options, store);
  const train: Dataset[] = [];
  for (let i = 0; i < plan.envCount && !options.testOnly; i++) train.push(await plan.train(i));
  const test = await plan.test();
  return { train, test, heldOut: await plan.heldOut() };
}

/** Builds only the training datasets with these indices, each identical to a full collection's. */
export async function collectTrainingDatasets(options: CollectOptions, indices: readonly number[], store?: DatasetStore): Promise<Dataset[]> {
  const plan = collectionPlan(options, store);
  const outside = indices.find((i) => !Number.isInteger(i) || i < 0 || i >= plan.envCount);
  if (outside !== undefined) throw new Error(`training environment ${outside} is not one of the ${plan.envCount} collected (0..${plan.envCount - 1})`);
  const built: Dataset[] = [];
  for (const i of indices) built.push(await plan.train(i));
  return built;
}
