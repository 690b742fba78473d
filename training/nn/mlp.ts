import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../sim/index.js';
import type { Activation, DenseStack } from './dense-stack.js';
import { fanInUniform, xavierUniform } from './init.js';
import { denseLayer, type ParamModule } from './module.js';

export type MlpInit = 'xavier' | 'fan-in';

/**
 * Plain MLP: widths [in, h1, ..., out], ReLU between layers, `output` activation at the end.
 * Parameters: W0 [in, h1], b0 [h1], W1, b1, ...
 * Init 'xavier': Xavier-uniform weights, zero biases (the reference's critic, SAC and RRL recovery);
 * 'fan-in': PyTorch's default Linear init for weights and biases (MESA's recovery policy).
 */
export class Mlp implements ParamModule {
  readonly names: string[];
  readonly shapes: number[][];

  constructor(
    readonly widths: readonly number[],
    readonly output: Activation,
    readonly initKind: MlpInit = 'xavier',
  ) {
    if (widths.length < 2 || widths.some((w) => !Number.isInteger(w) || w <= 0)) {
      throw new Error(`MLP widths must be at least two positive integers, got [${widths}]`);
    }
    this.names = [];
    this.shapes = [];
    for (let l = 0; l + 1 < widths.length; l++) {
      this.names.push(`W${l}`, `b${l}`);
      this.shapes.push([widths[l], widths[l + 1]], [widths[l + 1]]);
    }
  }

  init(rng: Rng): Float32Array[] {
    const values: Float32Array[] = [];
    for (let l = 0; l + 1 < this.widths.length; l++) {
      const [i, o] = [this.widths[l], this.widths[l + 1]];
      if (this.initKind === 'xavier') values.push(xavierUniform(rng, i, o), new Float32Array(o));
      else values.push(fanInUniform(rng, i, i * o), fanInUniform(rng, i, o));
    }
    return values;
  }

  /** `output` replaces the last layer's activation (`linear` gives the pre-activation). */
  forward(params: readonly tf.Tensor[], x: tf.Tensor2D, output: Activation = this.output): tf.Tensor2D {
    let h = x;
    const layers = this.widths.length - 1;
    for (let l = 0; l < layers; l++) {
      h = denseLayer(h, params[2 * l] as tf.Tensor2D, params[2 * l + 1], l + 1 < layers ? 'relu' : output);
    }
    return h;
  }

  fold(values: readonly Float32Array[]): DenseStack {
    const layers = this.widths.length - 1;
    return Array.from({ length: layers }, (_, l) => ({
      inputs: this.widths[l],
      outputs: this.widths[l + 1],
      weight: values[2 * l],
      bias: values[2 * l + 1],
      activation: l + 1 < layers ? 'relu' : this.output,
    }));
  }
}
