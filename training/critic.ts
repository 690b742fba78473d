import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../sim/index.js';
import type { DenseStack } from './nn/dense-stack.js';
import { Mlp } from './nn/mlp.js';
import type { ParamModule } from './nn/module.js';
import { checkObservationScale, foldObservationScale, standardize, type ObservationScale } from './nn/observation-scale.js';
import { stopGradient } from './nn/ops.js';
import { WeightTransformMlp } from './nn/weight-transform-mlp.js';

/**
 * - `twin-mlp`: Recovery RL's critic (RRL and Multi-Task): two 2 x 256 MLP heads, risk = max of the two.
 * - `weight-transform`: MESA's critic: one 3 x 100 weight-transform MLP head.
 * - `mlp`: the paper's description of MESA's critic: one 2 x 256 MLP head.
 * Every head maps concat(s, a) to a probability through a sigmoid.
 */
export type CriticArchitecture = 'twin-mlp' | 'weight-transform' | 'mlp';
export const CRITIC_ARCHITECTURES: readonly CriticArchitecture[] = ['twin-mlp', 'weight-transform', 'mlp'];

/** Q_risk(s, a): the discounted probability of a future constraint violation. */
export class SafetyCritic {
  readonly heads: readonly ParamModule[];
  readonly names: readonly string[];
  readonly shapes: readonly (readonly number[])[];
  /**
   * For MESA's weight-transform critic: its head, and the same function as a plain-MLP critic over
   * the head's generated weights (what MAML's one-step fast path adapts); null otherwise.
   */
  readonly generated: { readonly head: WeightTransformMlp; readonly critic: SafetyCritic } | null;
  readonly #offsets: number[];
  /** Standardization of the observations before the first layer (null: raw observations, as the reference). */
  readonly observationScale: ObservationScale | null;

  /** `hidden` and `latent` default to the reference sizes (2 x 256; 3 x 100 with latent 100). */
  constructor(
    readonly architecture: CriticArchitecture,
    readonly observationSize: number,
    readonly actionSize: number,
    options: { readonly hidden?: readonly number[]; readonly latent?: number; readonly observationScale?: ObservationScale | null } = {},
  ) {
    if (options.observationScale) checkObservationScale(options.observationScale, observationSize);
    this.observationScale = options.observationScale ?? null;
    const inputs = observationSize + actionSize;
    const hidden = options.hidden ?? (architecture === 'weight-transform' ? [100, 100, 100] : [256, 256]);
    const head = (): ParamModule =>
      architecture === 'weight-transform' ? new WeightTransformMlp([inputs, ...hidden, 1], 'sigmoid', options.latent ?? 100) : new Mlp([inputs, ...hidden, 1], 'sigmoid');
    this.heads = architecture === 'twin-mlp' ? [head(), head()] : [head()];
    this.generated =
      this.heads[0] instanceof WeightTransformMlp ? { head: this.heads[0], critic: new SafetyCritic('mlp', observationSize, actionSize, { hidden, observationScale: this.observationScale }) } : null;
    this.names = this.heads.flatMap((h, k) => h.names.map((n) => `head${k}.${n}`));
    this.shapes = this.heads.flatMap((h) => h.shapes);
    this.#offsets = [];
    let offset = 0;
    for (const h of this.heads) {
      this.#offsets.push(offset);
      offset += h.shapes.length;
    }
  }

  init(rng: Rng): Float32Array[] {
    return this.heads.flatMap((h) => h.init(rng));
  }

  #headParams<T>(params: readonly T[], k: number): readonly T[] {
    return params.slice(this.#offsets[k], this.#offsets[k] + this.heads[k].shapes.length);
  }

  /** Each head's estimate for a batch, shape [batch, 1]. */
  headValues(params: readonly tf.Tensor[], obs: tf.Tensor2D, action: tf.Tensor2D): tf.Tensor2D[] {
    const x = tf.concat([standardize(obs, this.observationScale), action], 1);
    return this.heads.map((h, k) => h.forward(this.#headParams(params, k), x));
  }

  /** The pessimistic risk used for gating and targets: the maximum over heads. */
  risk(params: readonly tf.Tensor[], obs: tf.Tensor2D, action: tf.Tensor2D): tf.Tensor2D {
    const values = this.headValues(params, obs, action);
    return values.length === 1 ? values[0] : values.reduce((a, b) => tf.maximum(a, b));
  }

  /** Every head as plain dense layers over concat(s, a); the risk is their maximum. */
  fold(values: readonly Float32Array[]): DenseStack[] {
    return this.heads.map((h, k) => foldObservationScale(h.fold(this.#headParams(values, k)), this.observationScale));
  }
}

/** A batch of transitions as tensors; `mask` = 1 - done, both shaped [batch, 1]. */
export interface TensorBatch {
  readonly obs: tf.Tensor2D;
  readonly action: tf.Tensor2D;
  readonly nextObs: tf.Tensor2D;
  readonly constraint: tf.Tensor2D;
  readonly mask: tf.Tensor2D;
}

/**
 * Bellman target of the risk critic, with no gradient through it:
 *   y = c + mask * gamma_risk * Q_target(s', a'),   a' ~ pi_task(. | s').
 */
export function riskTarget(
  critic: SafetyCritic,
  targetParams: readonly tf.Tensor[],
  batch: TensorBatch,
  nextAction: tf.Tensor2D,
  gammaRisk: number,
): tf.Tensor2D {
  const next = critic.risk(targetParams, batch.nextObs, nextAction);
  return stopGradient(tf.add(batch.constraint, tf.mul(tf.mul(batch.mask, gammaRisk), next))) as tf.Tensor2D;
}

/** Squared Bellman error of every head towards the same target, summed over heads. */
export function criticLoss(critic: SafetyCritic, params: readonly tf.Tensor[], batch: TensorBatch, target: tf.Tensor2D): tf.Scalar {
  const losses = critic.headValues(params, batch.obs, batch.action).map((q) => tf.mean(tf.square(tf.sub(q, target))) as tf.Scalar);
  return losses.length === 1 ? losses[0] : (tf.addN(losses) as tf.Scalar);
}
