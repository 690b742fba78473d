/**
 * MESA phase 1: offline meta-learning of the safety critic with MAML over the training
 * environments' datasets (reference implementation, spec section 5.1).
 *
 * One meta-iteration:
 *   draw `taskBatch` task indices with replacement; each distinct task i:
 *     y   = c + mask * gamma_risk * Qbar(s', a'),  Qbar = theta frozen,  a' ~ pi_task(. | s')
 *     L_in(theta)  = mean (Q_theta(s, a) - y)^2                       on a support batch of D_i
 *     theta'_k     = theta_k - softplus(rho_k) * dL_in/dtheta_k        (graph kept: second order)
 *     L_out        = mean (Q_theta'(s, a) - y)^2 / N                    on a query batch of D_i
 *   theta <- Adam(clip_40(sum_i dL_out/dtheta)),  rho <- Adam(sum_i dL_out/drho)
 *   one recovery-policy step on D_test against the un-adapted critic.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../sim/index.js';
import { toTensorBatch, type BatchSource } from './batch.js';
import { criticLoss, riskTarget, type SafetyCritic, type TensorBatch } from './critic.js';
import type { ParamOptimizer } from './nn/adam.js';
import { clipByGlobalNorm, stopGradient } from './nn/ops.js';
import type { RecoveryPolicy } from './policies.js';

export interface MamlConfig {
  /** Distinct tasks are drawn from this many draws with replacement per iteration. */
  readonly taskBatch: number;
  readonly innerBatch: number;
  readonly outerBatch: number;
  readonly innerSteps: number;
  readonly gammaRisk: number;
  /** Outer (meta) Adam learning rate for theta. */
  readonly outerLr: number;
  /** Adam learning rate of the learned inner step sizes rho. */
  readonly stepSizeLr: number;
  /** Initial inner step size softplus(rho_0). */
  readonly initialStepSize: number;
  /** Global L2 norm the meta-gradient of theta is clipped to. */
  readonly gradClip: number;
  /** Adam learning rate of the recovery policy's phase-1 step on D_test. */
  readonly recoveryLr: number;
  /** 'second': full MAML; 'first': first-order approximation (the inner gradient is a constant). */
  readonly order: 'second' | 'first';
}

export const MAML_DEFAULTS: Omit<MamlConfig, 'gammaRisk'> = {
  taskBatch: 5,
  innerBatch: 256,
  outerBatch: 256,
  innerSteps: 1,
  outerLr: 1e-5,
  stepSizeLr: 1e-3,
  initialStepSize: 0.001,
  gradClip: 40,
  recoveryLr: 1e-4,
  order: 'second',
};

/** softplus^-1: the rho whose softplus is `step`. */
export function inverseSoftplus(step: number): number {
  return Math.log(Math.expm1(step));
}

export interface MetaLearner {
  readonly critic: SafetyCritic;
  readonly theta: tf.Variable[];
  readonly rho: tf.Variable[];
  readonly recovery: RecoveryPolicy;
  readonly recoveryParams: tf.Variable[];
  /** a' ~ pi_task(. | s') for the targets. */
  readonly nextAction: (nextObs: tf.Tensor2D, rng: Rng) => tf.Tensor2D;
}

export interface MetaStepStats {
  readonly outerLoss: number;
  readonly gradNorm: number;
  readonly tasks: number;
  readonly recoveryLoss: number;
}

/** Adapted parameters after `innerSteps` SGD steps with the learned per-tensor step sizes. */
export function innerAdapt(
  learner: Pick<MetaLearner, 'critic' | 'rho'>,
  theta: readonly tf.Tensor[],
  support: TensorBatch,
  target: tf.Tensor2D,
  innerSteps: number,
  order: MamlConfig['order'],
): tf.Tensor[] {
  let adapted: tf.Tensor[] = [...theta];
  for (let step = 0; step < innerSteps; step++) {
    const current = adapted;
    const grads = tf.grads((...p: tf.Tensor[]) => criticLoss(learner.critic, p, support, target))(current);
    adapted = current.map((p, k) => {
      const g = order === 'second' ? grads[k] : stopGradient(grads[k]);
      return tf.sub(p, tf.mul(tf.softplus(learner.rho[k]), g));
    });
  }
  return adapted;
}

/** Support and query batches of one task with their (constant) risk targets. */
export interface TaskEpisode {
  readonly support: TensorBatch;
  readonly query: TensorBatch;
  readonly supportTarget: tf.Tensor2D;
  readonly queryTarget: tf.Tensor2D;
}

/**
 * The weight-transform critic after one inner step, as generated plain weights: the same theta'
 * as `innerAdapt`, computed without forming the stepped weight generators F' (see
 * WeightTransformMlp.stepGenerated), which is most of a meta-iteration's work otherwise.
 */
function innerAdaptGenerated(
  learner: Pick<MetaLearner, 'critic' | 'rho'>,
  theta: readonly tf.Tensor[],
  support: TensorBatch,
  target: tf.Tensor2D,
  order: MamlConfig['order'],
): tf.Tensor[] {
  const { head, critic } = learner.critic.generated!;
  const weights = head.generate(theta);
  const grads = tf.grads((...w: tf.Tensor[]) => criticLoss(critic, w, support, target))(weights);
  return head.stepGenerated(theta, grads, learner.rho.map((r) => tf.softplus(r)), order === 'second' ? (t) => t : stopGradient);
}

/** sum_i L_out(theta'_i) / N: the quantity whose gradient in theta and rho is the meta-gradient. */
export function metaObjective(
  learner: Pick<MetaLearner, 'critic' | 'rho'>,
  theta: readonly tf.Tensor[],
  episodes: readonly TaskEpisode[],
  taskCount: number,
  config: Pick<MamlConfig, 'innerSteps' | 'order'>,
): tf.Scalar {
  const generated = learner.critic.generated !== null && config.innerSteps === 1 ? learner.critic.generated : null;
  const outer = episodes.map((e) => {
    const loss = generated
      ? criticLoss(generated.critic, innerAdaptGenerated(learner, theta, e.support, e.supportTarget, config.order), e.query, e.queryTarget)
      : criticLoss(learner.critic, innerAdapt(learner, theta, e.support, e.supportTarget, config.innerSteps, config.order), e.query, e.queryTarget);
    return tf.div(loss, taskCount) as tf.Scalar;
  });
  return tf.addN(outer) as tf.Scalar;
}

/**
 * One meta-iteration over the training tasks. `tasks[i]` samples D_i; `testData` samples D_test
 * for the recovery policy's step. Returns the summed outer loss and the meta-gradient norm.
 */
export function metaStep(
  learner: MetaLearner,
  tasks: readonly BatchSource[],
  testData: BatchSource,
  optimizers: { theta: ParamOptimizer; rho: ParamOptimizer; recovery: ParamOptimizer },
  config: MamlConfig,
  rng: Rng,
): MetaStepStats {
  const drawn = Array.from({ length: config.taskBatch }, () => rng.int(tasks.length));
  const distinct = [...new Set(drawn)];
  const n = tasks.length;
  const { critic } = learner;

  const stats = tf.tidy(() => {
    // Qbar is theta as it stands before this iteration's update: the targets are computed first.
    const frozen = learner.theta;
    const { nextAction } = learner;
    const episodes: TaskEpisode[] = distinct.map((i) => {
      const support = toTensorBatch(tasks[i].sample(rng, config.innerBatch));
      const query = toTensorBatch(tasks[i].sample(rng, config.outerBatch));
      return {
        support,
        query,
        supportTarget: riskTarget(critic, frozen, support, nextAction(support.nextObs, rng), config.gammaRisk),
        queryTarget: riskTarget(critic, frozen, query, nextAction(query.nextObs, rng), config.gammaRisk),
      };
    });
    const variables = [...learner.theta, ...learner.rho];
    const { value, grads } = tf.variableGrads(() => metaObjective(learner, learner.theta, episodes, n, config), variables);
    const thetaGrads = learner.theta.map((v) => grads[v.name]);
    const { clipped, norm } = clipByGlobalNorm(thetaGrads, config.gradClip);
    optimizers.theta.apply(learner.theta, clipped);
    optimizers.rho.apply(learner.rho, learner.rho.map((v) => grads[v.name]));
    return { outerLoss: value.dataSync()[0], gradNorm: norm };
  });

  const recoveryLoss = recoveryStep(learner, testData.sample(rng, config.outerBatch), optimizers.recovery, rng);
  return { ...stats, tasks: distinct.length, recoveryLoss };
}

/** One step of pi_rec towards lower risk under the un-adapted critic theta (the policy's `loss`). */
export function recoveryStep(
  learner: Pick<MetaLearner, 'critic' | 'theta' | 'recovery' | 'recoveryParams'>,
  batch: ReturnType<BatchSource['sample']>,
  optimizer: ParamOptimizer,
  rng: Rng,
): number {
  return tf.tidy(() => {
    const obs = tf.tensor2d(batch.obs, [batch.size, batch.observationSize]);
    const { value, grads } = tf.variableGrads(
      () => learner.recovery.loss(learner.recoveryParams, obs, (a) => learner.critic.risk(learner.theta, obs, a), rng),
      learner.recoveryParams,
    );
    optimizer.apply(learner.recoveryParams, learner.recoveryParams.map((v) => grads[v.name]));
    return value.dataSync()[0];
  });
}
