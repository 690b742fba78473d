import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../sim/index.js';
import type { DenseStack } from './dense-stack.js';
import { sigmoid, tanh } from './ops.js';

/**
 * A network whose parameters are an ordered list of tensors passed in at every call, so that an
 * inner-loop update (MAML) is plain arithmetic on that list and the same function serves online,
 * target and adapted parameters alike.
 */
export interface ParamModule {
  /** One name per parameter tensor, in order (for checkpoints and error messages). */
  readonly names: readonly string[];
  readonly shapes: readonly (readonly number[])[];
  /** Fresh initial values, drawn from `rng`. */
  init(rng: Rng): Float32Array[];
  /** Output for a batch `x` of shape [batch, inputs]. */
  forward(params: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D;
  /** The same function as plain dense layers, for export. */
  fold(values: readonly Float32Array[]): DenseStack;
}

/** Variables holding parameter values of the given shapes (checked). */
export function createVariablesFrom(
  shapes: readonly (readonly number[])[],
  values: readonly Float32Array[],
  trainable = true,
): tf.Variable[] {
  if (values.length !== shapes.length) throw new Error(`expected ${shapes.length} parameter tensors, got ${values.length}`);
  return values.map((v, i) => {
    const shape = shapes[i];
    const size = shape.reduce((a, b) => a * b, 1);
    if (v.length !== size) throw new Error(`parameter tensor ${i}: ${v.length} values for shape [${shape}]`);
    // The variable takes its own reference to the values; without the dispose the initial tensor
    // would stay registered (and its values allocated) after the variable moves on or is disposed.
    const initial = tf.tensor(v, [...shape]);
    const variable = tf.variable(initial, trainable);
    initial.dispose();
    return variable;
  });
}

/** Copies tensor values out of the backend. */
export function readValues(params: readonly tf.Tensor[]): Float32Array[] {
  return params.map((p) => Float32Array.from(p.dataSync()));
}

export function parameterCount(module: ParamModule): number {
  return module.shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
}

/**
 * x W + b followed by an activation. Matrix product, bias and ReLU run as one fused kernel; its
 * gradient uses the saved output only for ReLU's 0/1 mask, whose own derivative is zero, so
 * second-order gradients stay exact. Sigmoid and tanh are applied separately (see ops.ts).
 */
export function denseLayer(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor, activation: 'relu' | 'sigmoid' | 'tanh' | 'linear'): tf.Tensor2D {
  const z = tf.fused.matMul({ a: x, b: w, bias: b, activation: activation === 'relu' ? 'relu' : 'linear' }) as tf.Tensor2D;
  return activation === 'relu' ? z : applyActivation(z, activation);
}

export function applyActivation(x: tf.Tensor2D, activation: 'relu' | 'sigmoid' | 'tanh' | 'linear'): tf.Tensor2D {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'sigmoid':
      return sigmoid(x);
    case 'tanh':
      return tanh(x);
    case 'linear':
      return x;
  }
}
