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
import { join } from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import { TEST_FILE, makeDataset, readDatasetFile, trainFileNames, writeDatasetFile, writeDatasetManifest, type Dataset, type DatasetManifest, type TransitionBuilder } from '../data/index.js';
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

export function defaultPolicies(domain: DomainId): { train: BehaviourPolicy; test: BehaviourPolicy } {
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

export async function collect(options: CollectOptions, store?: DatasetStore): Promise<Collection> {
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

  const train: Dataset[] = [];
  // Every dataset has its own stream, forked in this order whatever is collected.
  const trainStreams = Array.from({ length: envCount }, (_, i) => rng.fork(`train-${i}`));
  const testStreams = rng.fork('test-0');
  for (let i = 0; i < envCount && !options.testOnly; i++) train.push(await build(set.train[i], policies.train, trainSize, 'train', i, trainStreams[i]));
  const test = await build(set.test, policies.test, testSize, 'test', 0, testStreams);
  const heldOut = options.heldOut ? await build(set.test, policies.test, options.heldOut, 'held-out', 0, rng.fork('held-out-0')) : null;
  return { train, test, heldOut };
}

export const HELD_OUT_FILE = 'held-out.arrow';

/**
 * Collects into a dataset folder, writing each dataset as soon as it is complete and the manifest
 * last. With `resume`, datasets already in the folder from the same command (same source text and
 * size) are kept, so an interrupted long collection (SAC runs) continues where it stopped.
 */
export async function collectToFolder(dir: string, options: CollectOptions, resume = false): Promise<DatasetManifest & { heldOut: string | null }> {
  mkdirSync(dir, { recursive: true });
  const count = options.envs ?? getDomain(options.domain).trainEnvCount;
  const names = trainFileNames(count);
  const pathOf = (role: DatasetRole, index: number) => join(dir, role === 'train' ? names[index] : role === 'test' ? TEST_FILE : HELD_OUT_FILE);
  const store: DatasetStore = {
    reuse(role, index, source, size) {
      const path = pathOf(role, index);
      if (!resume || !existsSync(path)) return null;
      const d = readDatasetFile(path);
      return d.meta.source === source && d.meta.size === size ? d : null;
    },
    save: (role, index, dataset) => writeDatasetFile(pathOf(role, index), dataset),
  };
  const { heldOut } = await collect(options, store);
  const manifest = writeDatasetManifest(dir, { domain: options.domain, seed: options.seed, trainCount: count });
  return { ...manifest, heldOut: heldOut ? HELD_OUT_FILE : null };
}
