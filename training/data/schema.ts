import { z } from 'zod';
import { DOMAIN_IDS, type DomainId } from '../../sim/index.js';

/**
 * Transitions as columns. Row i is (obs_i, action_i, reward_i, nextObs_i, constraint_i, done_i, envId_i);
 * vector columns are row-major, `obs[i * observationSize + j]`.
 *
 * - `constraint` is 1 when the state reached (`nextObs`) violates the constraint;
 * - `done` is 1 when the transition ends the episode for bootstrapping: the critic's mask is `1 - done`.
 *   Time-limit ends are not `done`;
 * - `envId` indexes the dataset's `environments` list.
 */
export interface Transitions {
  readonly size: number;
  readonly observationSize: number;
  readonly actionSize: number;
  readonly obs: Float32Array;
  readonly action: Float32Array;
  readonly reward: Float32Array;
  readonly nextObs: Float32Array;
  readonly constraint: Uint8Array;
  readonly done: Uint8Array;
  readonly envId: Int32Array;
}

/** A sampled minibatch has the same columns as a dataset. */
export type TransitionBatch = Transitions;

/** One transition to append; vectors are copied, so the caller may reuse them. */
export interface TransitionInput {
  readonly obs: ArrayLike<number>;
  readonly action: ArrayLike<number>;
  readonly reward: number;
  readonly nextObs: ArrayLike<number>;
  readonly constraint: 0 | 1 | boolean;
  readonly done: 0 | 1 | boolean;
  /** Index into the dataset's environment list; 0 when omitted. */
  readonly envId?: number;
}

export const FORMAT_VERSION = 1;
export const DATASET_DOMAINS = [...DOMAIN_IDS, 'external'] as const;
/** A simulated domain, or `external` for data imported from another benchmark. */
export type DatasetDomain = DomainId | 'external';

const size = z.int().positive();

export const environmentSchema = z.object({
  /** One human-readable line, e.g. "B = diag(0.93, 1.21)" or the imported file's name. */
  description: z.string(),
  /** The parameters that rebuild the environment (a simulator's `EnvParams`), or null when unknown. */
  params: z.json().nullable(),
});

export const datasetMetaSchema = z.object({
  formatVersion: z.literal(FORMAT_VERSION),
  domain: z.enum(DATASET_DOMAINS),
  observationSize: size,
  actionSize: size,
  environments: z.array(environmentSchema).min(1),
  /** Behaviour policy: 'random', 'navigation-generator', 'sac', 'imported', ... */
  policy: z.string().min(1),
  size: z.int().nonnegative(),
  /** Number of transitions with constraint = 1. */
  violations: z.int().nonnegative(),
  /** Where the data came from, e.g. "collect navigation1 seed 0" or "dsrl import of foo.hdf5". */
  source: z.string(),
  createdAt: z.iso.datetime(),
  notes: z.string().optional(),
});

export type DatasetMeta = z.infer<typeof datasetMetaSchema>;
export type EnvironmentInfo = z.infer<typeof environmentSchema>;

/** A dataset as held in memory: its metadata and its transitions. */
export interface Dataset {
  readonly meta: DatasetMeta;
  readonly transitions: Transitions;
}

export interface DatasetDescription {
  readonly domain: DatasetDomain;
  readonly environments: readonly EnvironmentInfo[];
  readonly policy: string;
  readonly source: string;
  readonly notes?: string;
  /** Defaults to now. */
  readonly createdAt?: Date;
}

/** Puts a dataset together, deriving sizes and the violation count from the columns. */
export function makeDataset(transitions: Transitions, description: DatasetDescription): Dataset {
  const meta: DatasetMeta = {
    formatVersion: FORMAT_VERSION,
    domain: description.domain,
    observationSize: transitions.observationSize,
    actionSize: transitions.actionSize,
    environments: description.environments.map((e) => ({ description: e.description, params: e.params })),
    policy: description.policy,
    size: transitions.size,
    violations: countViolations(transitions),
    source: description.source,
    createdAt: (description.createdAt ?? new Date()).toISOString(),
    ...(description.notes === undefined ? {} : { notes: description.notes }),
  };
  return { meta, transitions };
}

export function countViolations(t: Pick<Transitions, 'size' | 'constraint'>): number {
  let n = 0;
  for (let i = 0; i < t.size; i++) n += t.constraint[i];
  return n;
}
