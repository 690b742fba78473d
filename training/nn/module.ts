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

/** Trainable variables holding a module's parameters. */
export function createVariables(module: ParamModule, values: readonly Float32Array[]): tf.Variable[] {
  if (values.length !== module.shapes.length) {
    throw new Error(`expected ${module.shapes.length} parameter tensors, got ${values.length}`);
  }
  return values.map((v, i) => {
    const shape = module.shapes[i];
    const size = shape.reduce((a, b) => a * b, 1);
    if (v.length !== size) throw new Error(`parameter ${module.names[i]}: ${v.length} values for shape [${shape}]`);
    return tf.variable(tf.tensor(v, [...shape]), true);
  });
}

/** Copies tensor values out of the backend. */
export function readValues(params: readonly tf.Tensor[]): Float32Array[] {
  return params.map((p) => Float32Array.from(p.dataSync()));
}

export function parameterCount(module: ParamModule): number {
  return module.shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
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
