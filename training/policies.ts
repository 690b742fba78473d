import * as tf from '@tensorflow/tfjs';
import type { Box, Rng } from '../sim/index.js';
import type { DenseStack } from './nn/dense-stack.js';
import { constantInit } from './nn/init.js';
import { Mlp } from './nn/mlp.js';
import { tanh } from './nn/ops.js';
import { checkObservationScale, foldObservationScale, standardize, type ObservationScale } from './nn/observation-scale.js';

/** Standard-normal noise from the run's RNG, so that every sample is reproducible from the seed. */
export function normalNoise(rng: Rng, rows: number, cols: number): tf.Tensor2D {
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = rng.normal();
  return tf.tensor2d(values, [rows, cols]);
}

/** Affine map from tanh's (-1, 1) onto an action box: a = tanh(u) * scale + offset. */
export interface ActionScaling {
  readonly scale: Float32Array;
  readonly offset: Float32Array;
}

export function actionScaling(space: Box): ActionScaling {
  for (let i = 0; i < space.size; i++) {
    if (!Number.isFinite(space.low[i]) || !Number.isFinite(space.high[i])) throw new Error(`action bound ${i} must be finite`);
  }
  return {
    scale: Float32Array.from(space.high, (h, i) => (h - space.low[i]) / 2),
    offset: Float32Array.from(space.high, (h, i) => (h + space.low[i]) / 2),
  };
}

/** A deterministic policy folded for export: a = tanh(body(s)) * scale + offset. */
export interface FoldedPolicy {
  readonly body: DenseStack;
  readonly scaling: ActionScaling;
}

/**
 * The recovery policy pi_rec(s), trained to minimise Q_risk(s, pi_rec(s)).
 * - `gaussian` (Recovery RL, used by RRL and Multi-Task): 2 x 256 MLP mean, state-independent
 *   log-std initialised to ln 0.1, samples mean + std * eps (not squashed; environments clip).
 * - `deterministic` (MESA): 3 x 100 MLP with PyTorch's default init, acting with fixed 0.01 noise.
 * The exported (deployed) policy is the mean action.
 */
export type RecoveryKind = 'gaussian' | 'deterministic';

const MIN_LOG_STD = Math.log(1e-6);
const MESA_NOISE_STD = 0.01;

/**
 * Weight c of the pre-tanh penalty c * mean(u^2) in the recovery loss, u = the mean's pre-tanh
 * activation. Not in the reference (deviation D31 in models/README.md): MESA's recovery policy is
 * trained in phase 1 against the un-adapted meta critic, which drove its outputs to pre-activations
 * of 10-24 on raw navigation coordinates, where tanh is 1.0 in float32 and no later update (phase 2,
 * online) can move it, even where the adapted critic ranks the opposite action safest. With the
 * penalty, u settles where the critic's slope balances 2cu (about 2.5, tanh 0.99, for a slope of 0.2)
 * and keeps a gradient. The Gaussian policy keeps the reference's loss.
 */
const SATURATION_PENALTY: Readonly<Record<RecoveryKind, number>> = { gaussian: 0, deterministic: 1e-3 };

export class RecoveryPolicy {
  readonly body: Mlp;
  readonly names: readonly string[];
  readonly shapes: readonly (readonly number[])[];
  readonly scaling: ActionScaling;
  /** Standardization of the observations before the first layer (null: raw observations, as the reference). */
  readonly observationScale: ObservationScale | null;

  constructor(
    readonly kind: RecoveryKind,
    readonly observationSize: number,
    readonly actionSpace: Box,
    options: { readonly observationScale?: ObservationScale | null } = {},
  ) {
    if (options.observationScale) checkObservationScale(options.observationScale, observationSize);
    this.observationScale = options.observationScale ?? null;
    const act = actionSpace.size;
    this.body =
      kind === 'gaussian' ? new Mlp([observationSize, 256, 256, act], 'tanh', 'xavier') : new Mlp([observationSize, 100, 100, 100, act], 'tanh', 'fan-in');
    this.names = kind === 'gaussian' ? [...this.body.names, 'logStd'] : this.body.names;
    this.shapes = kind === 'gaussian' ? [...this.body.shapes, [act]] : this.body.shapes;
    this.scaling = actionScaling(actionSpace);
  }

  init(rng: Rng): Float32Array[] {
    const body = this.body.init(rng);
    return this.kind === 'gaussian' ? [...body, constantInit(Math.log(0.1), this.actionSpace.size)] : body;
  }

  /** The mean's pre-tanh activation u: mean = tanh(u) * scale + offset. */
  preActivation(params: readonly tf.Tensor[], obs: tf.Tensor2D): tf.Tensor2D {
    return this.body.forward(params.slice(0, this.body.shapes.length), standardize(obs, this.observationScale), 'linear');
  }

  mean(params: readonly tf.Tensor[], obs: tf.Tensor2D): tf.Tensor2D {
    return this.#squash(this.preActivation(params, obs));
  }

  /** An exploring action: mean + std * eps with eps from `rng` (differentiable in the parameters). */
  sample(params: readonly tf.Tensor[], obs: tf.Tensor2D, rng: Rng): tf.Tensor2D {
    return this.#explore(params, this.mean(params, obs), rng);
  }

  /**
   * L_rec = mean Q_risk(s, pi_rec(s) + noise) + c * mean(u^2), with `risk` the critic held fixed
   * and c the kind's saturation penalty.
   */
  loss(params: readonly tf.Tensor[], obs: tf.Tensor2D, risk: (action: tf.Tensor2D) => tf.Tensor, rng: Rng): tf.Scalar {
    const u = this.preActivation(params, obs);
    const expectedRisk = tf.mean(risk(this.#explore(params, this.#squash(u), rng)));
    const penalty = SATURATION_PENALTY[this.kind];
    return (penalty > 0 ? tf.add(expectedRisk, tf.mul(penalty, tf.mean(tf.square(u)))) : expectedRisk) as tf.Scalar;
  }

  #squash(u: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.mul(tanh(u), this.scaling.scale), this.scaling.offset) as tf.Tensor2D;
  }

  #explore(params: readonly tf.Tensor[], mean: tf.Tensor2D, rng: Rng): tf.Tensor2D {
    const noise = normalNoise(rng, mean.shape[0], this.actionSpace.size);
    const std =
      this.kind === 'gaussian' ? tf.exp(tf.maximum(params[params.length - 1], MIN_LOG_STD)) : tf.scalar(MESA_NOISE_STD);
    return tf.add(mean, tf.mul(noise, std)) as tf.Tensor2D;
  }

  fold(values: readonly Float32Array[]): FoldedPolicy {
    return { body: foldObservationScale(this.body.fold(values.slice(0, this.body.shapes.length)), this.observationScale), scaling: this.scaling };
  }
}

const SAC_LOG_STD = [-20, 2] as const;

/**
 * SAC's task policy: a 2 x 256 MLP giving mean and log-std (clamped to [-20, 2]) of a Gaussian
 * whose sample is squashed: a = tanh(u) * scale + offset, u ~ N(mean, std).
 */
export class SquashedGaussianActor {
  readonly net: Mlp;
  readonly scaling: ActionScaling;

  /** `hidden` defaults to the reference's 2 x 256. */
  constructor(
    readonly observationSize: number,
    readonly actionSpace: Box,
    hidden: readonly number[] = [256, 256],
  ) {
    this.net = new Mlp([observationSize, ...hidden, 2 * actionSpace.size], 'linear', 'xavier');
    this.scaling = actionScaling(actionSpace);
  }

  get names(): readonly string[] {
    return this.net.names;
  }
  get shapes(): readonly (readonly number[])[] {
    return this.net.shapes;
  }
  init(rng: Rng): Float32Array[] {
    return this.net.init(rng);
  }

  #meanLogStd(params: readonly tf.Tensor[], obs: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
    const out = this.net.forward(params, obs);
    const act = this.actionSpace.size;
    const mean = tf.slice(out, [0, 0], [-1, act]);
    const logStd = tf.clipByValue(tf.slice(out, [0, act], [-1, act]), SAC_LOG_STD[0], SAC_LOG_STD[1]);
    return [mean, logStd];
  }

  /** A reparameterised sample and its log-probability (with the tanh and scale correction), [batch, 1]. */
  sample(params: readonly tf.Tensor[], obs: tf.Tensor2D, rng: Rng): { action: tf.Tensor2D; logProb: tf.Tensor2D } {
    const [mean, logStd] = this.#meanLogStd(params, obs);
    const eps = normalNoise(rng, obs.shape[0], this.actionSpace.size);
    const u = tf.add(mean, tf.mul(tf.exp(logStd), eps));
    const squashed = tf.tanh(u);
    const gaussianLogProb = tf.sub(tf.mul(-0.5, tf.square(eps)), tf.add(logStd, 0.5 * Math.log(2 * Math.PI)));
    const correction = tf.log(tf.add(tf.mul(this.scaling.scale, tf.sub(1, tf.square(squashed))), 1e-6));
    const logProb = tf.sum(tf.sub(gaussianLogProb, correction), 1, true) as tf.Tensor2D;
    return { action: tf.add(tf.mul(squashed, this.scaling.scale), this.scaling.offset) as tf.Tensor2D, logProb };
  }

  /**
   * One observation's action, as `sample` (given `rng`, drawing the same normals) or
   * `deterministic` (given null) would give it. Only the network runs in tfjs; the clamp, noise
   * and squashing are a few scalar operations, which costs far less than their kernels would.
   */
  act(params: readonly tf.Tensor[], obs: ArrayLike<number>, rng: Rng | null): Float64Array {
    const act = this.actionSpace.size;
    const out = tf.tidy(() => this.net.forward(params, tf.tensor2d(Float32Array.from(obs), [1, this.observationSize])));
    const raw = out.dataSync();
    out.dispose();
    const action = new Float64Array(act);
    for (let i = 0; i < act; i++) {
      const logStd = Math.min(SAC_LOG_STD[1], Math.max(SAC_LOG_STD[0], raw[act + i]));
      const u = rng ? raw[i] + Math.exp(logStd) * rng.normal() : raw[i];
      action[i] = Math.tanh(u) * this.scaling.scale[i] + this.scaling.offset[i];
    }
    return action;
  }

  /** The deterministic (evaluation) action: tanh(mean) * scale + offset. */
  deterministic(params: readonly tf.Tensor[], obs: tf.Tensor2D): tf.Tensor2D {
    const [mean] = this.#meanLogStd(params, obs);
    return tf.add(tf.mul(tf.tanh(mean), this.scaling.scale), this.scaling.offset) as tf.Tensor2D;
  }
}
