import * as tf from '@tensorflow/tfjs';
import { initTrainingBackend } from '../../training/backend.js';

/** Initialises the training backend once; call from `before()`. */
export async function useTrainingBackend(): Promise<void> {
  await initTrainingBackend();
}

/** Values of a tensor as a plain array. */
export function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}
