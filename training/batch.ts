import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../sim/index.js';
import type { TensorBatch } from './critic.js';

/** Transition columns as the dataset layer stores them (row-major float32, 0/1 flags). */
export interface TransitionColumns {
  readonly size: number;
  readonly observationSize: number;
  readonly actionSize: number;
  readonly obs: Float32Array;
  readonly action: Float32Array;
  readonly nextObs: Float32Array;
  readonly constraint: Uint8Array;
  readonly done: Uint8Array;
}

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
