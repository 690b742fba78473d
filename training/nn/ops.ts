import * as tf from '@tensorflow/tfjs';

const zeroGradient = ((x: tf.Tensor) => ({ value: x.clone(), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as unknown as Parameters<typeof tf.customGrad>[0];

/** Identity whose gradient is zero: targets are constants to the loss that uses them. */
export const stopGradient = tf.customGrad(zeroGradient) as <T extends tf.Tensor>(x: T) => T;

/** Global L2 norm of a list of gradients, and the gradients scaled to at most `maxNorm` (PyTorch's rule). */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; norm: number } {
  const squared = tf.tidy(() => tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
  const norm = Math.sqrt(squared.dataSync()[0]);
  squared.dispose();
  if (!(norm > maxNorm)) return { clipped: [...grads], norm };
  const scale = maxNorm / (norm + 1e-6);
  return { clipped: grads.map((g) => tf.mul(g, scale)), norm };
}

/*
 * tfjs keeps the outputs an op's gradient needs (sigmoid's, tanh's) through a clone that is
 * recorded on the tape before the op itself, so a second-order gradient (MAML) cannot flow back
 * through them and silently loses terms. These versions recompute the derivative from the input,
 * which keeps every term of the gradient's own gradient.
 */
type Save = (tensors: tf.Tensor[]) => void;

const sigmoidFromInput = ((x: tf.Tensor, save: Save) => {
  save([x]);
  return {
    value: tf.sigmoid(x),
    gradFunc: (dy: tf.Tensor, [input]: tf.Tensor[]) => {
      const s = tf.sigmoid(input);
      return tf.mul(dy, tf.mul(s, tf.sub(1, s)));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0];

const tanhFromInput = ((x: tf.Tensor, save: Save) => {
  save([x]);
  return {
    value: tf.tanh(x),
    gradFunc: (dy: tf.Tensor, [input]: tf.Tensor[]) => tf.mul(dy, tf.sub(1, tf.square(tf.tanh(input)))),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0];

/** Sigmoid whose gradient is differentiable again (for second-order MAML). */
export const sigmoid = tf.customGrad(sigmoidFromInput) as <T extends tf.Tensor>(x: T) => T;
/** Tanh whose gradient is differentiable again. */
export const tanh = tf.customGrad(tanhFromInput) as <T extends tf.Tensor>(x: T) => T;
