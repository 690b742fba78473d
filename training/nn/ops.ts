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

/*
 * Products of a tall matrix F [n, l] with vectors, whose gradients (of every order) are again
 * these products. tfjs differentiates a plain matMul into matMuls with transposeA/transposeB, and
 * on wasm each of those transposes F, a full copy of MESA's 1M-value weight generators, several
 * times per meta-iteration. Each op here multiplies without any transpose: a column vector is
 * turned into a row by a reshape, which moves no data.
 */
const matVecOp = ((f: tf.Tensor2D, z: tf.Tensor2D, save: Save) => {
  save([f, z]);
  return {
    value: tf.matMul(f, z),
    gradFunc: (dy: tf.Tensor2D, [f0, z0]: tf.Tensor2D[]) => [outer(dy, z0), vecMat(dy, f0)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0];

const vecMatOp = ((v: tf.Tensor2D, f: tf.Tensor2D, save: Save) => {
  save([v, f]);
  return {
    value: tf.reshape(tf.matMul(tf.reshape(v, [1, -1]), f), [-1, 1]),
    gradFunc: (dy: tf.Tensor2D, [v0, f0]: tf.Tensor2D[]) => [matVec(f0, dy), outer(v0, dy)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0];

const outerOp = ((a: tf.Tensor2D, b: tf.Tensor2D, save: Save) => {
  save([a, b]);
  return {
    value: tf.matMul(a, tf.reshape(b, [1, -1])),
    gradFunc: (dy: tf.Tensor2D, [a0, b0]: tf.Tensor2D[]) => [matVec(dy, b0), vecMat(a0, dy)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0];

/** F z for F [n, l] and a column z [l, 1]: a column [n, 1]. */
export const matVec = tf.customGrad(matVecOp) as (f: tf.Tensor2D, z: tf.Tensor2D) => tf.Tensor2D;
/** F^T v for a column v [n, 1]: a column [l, 1]. */
export const vecMat = tf.customGrad(vecMatOp) as (v: tf.Tensor2D, f: tf.Tensor2D) => tf.Tensor2D;
/** a b^T for columns a [n, 1] and b [l, 1]: a matrix [n, l]. */
export const outer = tf.customGrad(outerOp) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;
