/**
 * Builds a domain's offline datasets (spec section 2): one per training environment and the small
 * test-environment dataset, written as a dataset folder.
 *   navigation     training and test: the navigation generators (random actions near obstacles)
 *   cartpole       training: the replay buffer of an early-stopped SAC run; test: random episodes
 *   locomotion     training: the replay buffer of an early-stopped SAC run; test: random episodes
 * Behaviour episodes never end on a violation; done = constraint (mask = 1 - c).
 */
import { getDomain, NavigationEnv, Rng, type DomainId, type Env, type EnvParams } from '../../sim/index.js';
import { makeDataset, writeDatasetDir, type Dataset, type DatasetManifest, type TransitionBuilder } from '../data/index.js';
import { navigationTransitions } from './navigation-generators.js';
import { randomEpisodes } from './random-episodes.js';

export type BehaviourPolicy = 'navigation-generator' | 'random' | 'sac';

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
  readonly sac?: SacCollector;
  /** Called after each dataset with its role and index. */
  readonly onDataset?: (role: 'train' | 'test', index: number, dataset: Dataset) => void;
  readonly onProgress?: (role: 'train' | 'test', index: number, transitions: number, of: number) => void;
}

export function defaultPolicies(domain: DomainId): { train: BehaviourPolicy; test: BehaviourPolicy } {
  return domain.startsWith('navigation') ? { train: 'navigation-generator', test: 'navigation-generator' } : { train: 'sac', test: 'random' };
}

const NAVIGATION_GENERATION_SIZE = 10_000;

export async function collect(options: CollectOptions): Promise<{ train: Dataset[]; test: Dataset }> {
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

  const build = async (params: EnvParams, policy: BehaviourPolicy, size: number, role: 'train' | 'test', index: number): Promise<Dataset> => {
    const env = await domain.make(params, { endOnViolation: false });
    const streams = rng.fork(`${role}-${index}`);
    const progress = (done: number) => options.onProgress?.(role, index, done, size);
    try {
      let builder: TransitionBuilder;
      if (policy === 'navigation-generator') {
        if (!(env instanceof NavigationEnv)) throw new Error(`the navigation generator only applies to the navigation domains, not ${domain.id}`);
        builder = navigationTransitions(env, size, streams, role === 'test' ? Math.max(size, NAVIGATION_GENERATION_SIZE) : size);
      } else if (policy === 'random') {
        builder = randomEpisodes(env, size, streams);
      } else {
        if (!options.sac) throw new Error('SAC collection needs a SAC collector');
        builder = await options.sac(env, size, streams, progress);
      }
      progress(builder.size);
      const dataset = makeDataset(builder.freeze(), {
        domain: domain.id,
        environments: [{ description: domain.describe(params), params: JSON.parse(JSON.stringify(params)) }],
        policy,
        source: `${command} (${role} environment${role === 'train' ? ` ${index}` : ''})`,
      });
      options.onDataset?.(role, index, dataset);
      return dataset;
    } finally {
      env.close();
    }
  };

  const train: Dataset[] = [];
  for (let i = 0; i < envCount; i++) train.push(await build(set.train[i], policies.train, trainSize, 'train', i));
  const test = await build(set.test, policies.test, testSize, 'test', 0);
  return { train, test };
}

/** Collects and writes the dataset folder. */
export async function collectToFolder(dir: string, options: CollectOptions): Promise<DatasetManifest> {
  const { train, test } = await collect(options);
  return writeDatasetDir(dir, { domain: options.domain, seed: options.seed, train, test });
}
