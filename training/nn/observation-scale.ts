import * as tf from '@tensorflow/tfjs';
import type { DenseLayer, DenseStack } from './dense-stack.js';

/**
 * Fixed standardization of observations inside a network: s' = (s - mean) / std. Not part of the
 * reference (its networks take raw observations); with raw inputs of very different magnitudes
 * (navigation: x in [-100, 150], y in [-5, 5]) the first layer is dominated by the large
 * coordinate and a recovery policy needs thousands of steps to learn to depend on the small one.
 * The constants are folded into the first exported layer, so a bundle still takes raw observations.
 */
export interface ObservationScale {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** Mean and standard deviation per observation coordinate of row-major observations; a constant coordinate keeps std 1. */
export function observationScaleOf(observations: readonly { readonly obs: Float32Array; readonly size: number }[], observationSize: number): ObservationScale {
  const rows = observations.reduce((n, o) => n + o.size, 0);
  if (rows === 0) throw new Error('observation statistics need at least one observation');
  const mean = new Float64Array(observationSize);
  const squares = new Float64Array(observationSize);
  for (const { obs, size } of observations) {
    for (let r = 0; r < size; r++) for (let i = 0; i < observationSize; i++) mean[i] += obs[r * observationSize + i];
  }
  for (let i = 0; i < observationSize; i++) mean[i] /= rows;
  for (const { obs, size } of observations) {
    for (let r = 0; r < size; r++) for (let i = 0; i < observationSize; i++) squares[i] += (obs[r * observationSize + i] - mean[i]) ** 2;
  }
  const std = Array.from(squares, (s) => Math.sqrt(s / rows));
  return { mean: Array.from(mean), std: std.map((s) => (s > 1e-6 ? s : 1)) };
}

export function checkObservationScale(scale: ObservationScale, observationSize: number): void {
  if (scale.mean.length !== observationSize || scale.std.length !== observationSize) {
    throw new Error(`observation scale has ${scale.mean.length} means and ${scale.std.length} deviations for ${observationSize} observation coordinates`);
  }
  if (!scale.mean.every(Number.isFinite) || !scale.std.every((s) => Number.isFinite(s) && s > 0)) {
    throw new Error('observation scale: means must be finite and deviations finite and positive');
  }
}

/** (obs - mean) / std for a batch [batch, observationSize]; the identity without a scale. */
export function standardize(obs: tf.Tensor2D, scale: ObservationScale | null): tf.Tensor2D {
  if (!scale) return obs;
  return tf.div(tf.sub(obs, tf.tensor1d(scale.mean as number[])), tf.tensor1d(scale.std as number[]));
}

/**
 * Folds the standardization of the first `scale.mean.length` inputs into a stack's first layer:
 * with x'_i = (x_i - m_i) / s_i, x' W + b = x W' + b' for W'_i = W_i / s_i and b' = b - sum_i (m_i / s_i) W_i.
 */
export function foldObservationScale(stack: DenseStack, scale: ObservationScale | null): DenseStack {
  if (!scale) return stack;
  const [first, ...rest] = stack;
  const n = scale.mean.length;
  if (!first || first.inputs < n) throw new Error(`cannot fold an observation scale of ${n} coordinates into a first layer of ${first?.inputs ?? 0} inputs`);
  const weight = Float32Array.from(first.weight);
  const bias = Float64Array.from(first.bias);
  for (let i = 0; i < n; i++) {
    const row = i * first.outputs;
    for (let j = 0; j < first.outputs; j++) {
      const w = first.weight[row + j] / scale.std[i];
      weight[row + j] = w;
      bias[j] -= scale.mean[i] * w;
    }
  }
  const folded: DenseLayer = { ...first, weight, bias: Float32Array.from(bias) };
  return [folded, ...rest];
}
