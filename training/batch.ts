import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../sim/index.js';
import type { TensorBatch } from './critic.js';
import { ReplayBuffer, type Transitions } from './data/index.js';

/** The transition columns the learners read (the dataset layer's columns, row-major float32, 0/1 flags). */
export type TransitionColumns = Pick<Transitions, 'size' | 'observationSize' | 'actionSize' | 'obs' | 'action' | 'nextObs' | 'constraint' | 'done'>;

/** Anything that can hand out training batches (a replay buffer, a dataset). */
export interface BatchSource {
  readonly size: number;
  sample(rng: Rng, batchSize: number): TransitionColumns;
}

export function toTensorBatch(b: TransitionColumns): TensorBatch {
  return {
    obs: tf.tensor2d(b.obs, [b.size, b.observationSize]),
    action: tf.tensor2d(b.action, [b.size, b.actionSize]),
    nextObs: tf.tensor2d(b.nextObs, [b.size, b.observationSize]),
    constraint: tf.tensor2d(Float32Array.from(b.constraint), [b.size, 1]),
    mask: tf.tensor2d(Float32Array.from(b.done, (d) => 1 - d), [b.size, 1]),
  };
}

/** Batches of ⌊posFraction·B⌋ violating and B − ⌊posFraction·B⌋ safe transitions (Recovery RL's pos_fraction). */
export function balancedSource(buffer: ReplayBuffer, posFraction: number): BatchSource {
  return { size: buffer.size, sample: (rng, batchSize) => buffer.sampleBalanced(rng, batchSize, posFraction) };
}

/** A replay buffer holding the given datasets, sampled uniformly or balanced. */
export function sourceOf(datasets: readonly Transitions[], posFraction: number | null): BatchSource {
  const first = datasets[0];
  if (!first) throw new Error('no transitions to train on');
  const buffer = new ReplayBuffer(first.observationSize, first.actionSize, Math.max(1, datasets.reduce((n, d) => n + d.size, 0)));
  for (const d of datasets) buffer.pushAll(d);
  return posFraction === null ? buffer : balancedSource(buffer, posFraction);
}
