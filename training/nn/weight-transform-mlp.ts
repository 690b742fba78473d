import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../sim/index.js';
import type { Activation, DenseStack } from './dense-stack.js';
import { fanInUniform, normalInit } from './init.js';
import { denseLayer, type ParamModule } from './module.js';
import { matVec, vecMat } from './ops.js';

/**
 * MESA's critic network (the reference's "WLinear" layers, from MACAW): each layer stores a
 * latent vector z and an affine map F, and its weights are generated at every call:
 *   theta = F z + c,   W = theta[0 : in*out] as an (in x out) row-major matrix,   b = theta[in*out :].
 * Parameters per layer: z [latent, 1], F [in*out + out, latent] (PyTorch's Linear layout),
 * c [in*out + out, 1]. Computing theta as the column F z keeps the large operand on the matMul's
 * left, which tfjs-wasm multiplies far faster than a row vector times a wide matrix.
 * Init: z ~ N(0, (1/out)^2); F and c ~ U[-1/sqrt(latent), 1/sqrt(latent)] (PyTorch's default).
 */
export class WeightTransformMlp implements ParamModule {
  readonly names: string[] = [];
  readonly shapes: number[][] = [];

  constructor(
    readonly widths: readonly number[],
    readonly output: Activation,
    readonly latent = 100,
  ) {
    if (widths.length < 2 || widths.some((w) => !Number.isInteger(w) || w <= 0)) {
      throw new Error(`widths must be at least two positive integers, got [${widths}]`);
    }
    for (let l = 0; l + 1 < widths.length; l++) {
      const n = widths[l] * widths[l + 1] + widths[l + 1];
      this.names.push(`z${l}`, `F${l}`, `c${l}`);
      this.shapes.push([latent, 1], [n, latent], [n, 1]);
    }
  }

  init(rng: Rng): Float32Array[] {
    const values: Float32Array[] = [];
    for (let l = 0; l + 1 < this.widths.length; l++) {
      const out = this.widths[l + 1];
      const n = this.widths[l] * out + out;
      values.push(normalInit(rng, 1 / out, this.latent), fanInUniform(rng, this.latent, n * this.latent), fanInUniform(rng, this.latent, n));
    }
    return values;
  }

  forward(params: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
    return this.forwardGenerated(this.generate(params), x);
  }

  /** The generated plain weights [W0, b0, W1, b1, ...]: W_l [in, out], b_l [out]. */
  generate(params: readonly tf.Tensor[]): tf.Tensor[] {
    return this.#layers().flatMap(([inputs, outputs], l) => {
      const theta = tf.add(matVec(params[3 * l + 1] as tf.Tensor2D, params[3 * l] as tf.Tensor2D), params[3 * l + 2]);
      return this.#split(theta, inputs, outputs);
    });
  }

  /** The network's output from generated weights (as `generate` returns them). */
  forwardGenerated(weights: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    const layers = this.widths.length - 1;
    for (let l = 0; l < layers; l++) h = denseLayer(h, weights[2 * l] as tf.Tensor2D, weights[2 * l + 1], l + 1 < layers ? 'relu' : this.output);
    return h;
  }

  /**
   * The generated weights after one gradient step on every z, F and c, given the gradient dtheta
   * of a loss in the generated weights and one step size per parameter tensor, without forming the
   * stepped F (a 1M-value tensor per layer at the reference sizes):
   *   dz = F^T dtheta,  dF = dtheta z^T,  dc = dtheta
   *   theta' = (F - a_F dtheta z^T)(z - a_z dz) + c - a_c dtheta
   *          = F z' - a_F dtheta (z^T z') + c - a_c dtheta
   * `constant` is applied to the gradient terms: the identity keeps them differentiable (second-order
   * MAML), stopGradient makes them constants (first order), exactly as for a plain parameter step.
   */
  stepGenerated(params: readonly tf.Tensor[], weightGrads: readonly tf.Tensor[], stepSizes: readonly tf.Tensor[], constant: <T extends tf.Tensor>(t: T) => T): tf.Tensor[] {
    return this.#layers().flatMap(([inputs, outputs], l) => {
      const [z, f, c] = [params[3 * l] as tf.Tensor2D, params[3 * l + 1] as tf.Tensor2D, params[3 * l + 2]];
      const [aZ, aF, aC] = [stepSizes[3 * l], stepSizes[3 * l + 1], stepSizes[3 * l + 2]];
      const dTheta = tf.concat([tf.reshape(weightGrads[2 * l], [-1, 1]), tf.reshape(weightGrads[2 * l + 1], [-1, 1])], 0) as tf.Tensor2D;
      const zStepped = tf.sub(z, tf.mul(aZ, constant(vecMat(dTheta, f)))) as tf.Tensor2D;
      const theta = tf.sub(
        tf.add(matVec(f, zStepped), c),
        tf.add(tf.mul(tf.mul(aF, constant(dTheta)), tf.sum(tf.mul(constant(z), zStepped))), tf.mul(aC, constant(dTheta))),
      );
      return this.#split(theta, inputs, outputs);
    });
  }

  #layers(): [number, number][] {
    return this.widths.slice(0, -1).map((inputs, l) => [inputs, this.widths[l + 1]]);
  }

  #split(theta: tf.Tensor, inputs: number, outputs: number): [tf.Tensor2D, tf.Tensor] {
    const flat = tf.reshape(theta, [-1]);
    const w = tf.reshape(tf.slice(flat, 0, inputs * outputs), [inputs, outputs]) as tf.Tensor2D;
    // A slice of the flat vector owns a 1-D buffer; tfjs-wasm's fused kernel rejects a bias whose
    // buffer was created with another shape (e.g. a reshaped [out, 1] slice).
    return [w, tf.slice(flat, inputs * outputs, outputs)];
  }

  fold(values: readonly Float32Array[]): DenseStack {
    const layers = this.widths.length - 1;
    return Array.from({ length: layers }, (_, l) => {
      const [inputs, outputs] = [this.widths[l], this.widths[l + 1]];
      const [z, f, c] = [values[3 * l], values[3 * l + 1], values[3 * l + 2]];
      const n = inputs * outputs + outputs;
      const theta = new Float32Array(n);
      for (let j = 0; j < n; j++) {
        let acc = c[j];
        for (let k = 0; k < this.latent; k++) acc += f[j * this.latent + k] * z[k];
        theta[j] = acc;
      }
      return {
        inputs,
        outputs,
        weight: theta.slice(0, inputs * outputs),
        bias: theta.slice(inputs * outputs),
        activation: l + 1 < layers ? 'relu' : this.output,
      };
    });
  }
}
