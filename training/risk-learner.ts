/**
 * The safety critic and recovery policy updated together, one call per batch (spec sections
 * 3.1, 4, 5.2, 5.3): RRL's offline training, Multi-Task's phases 1 and 2, MESA's phase 2, and
 * every method's online updates.
 *
 *   y      = c + mask * gamma_risk * Q_target(s', a'),   a' ~ pi_task(. | s')
 *   L_Q    = sum over heads of mean (Q_h(s, a) - y)^2          -> Adam step on the critic
 *   L_rec  = mean Q_risk(s, pi_rec(s) + noise) [+ c mean u^2]   -> Adam step on pi_rec (critic fixed)
 *   Q_target = the online critic ('online'), or a Polyak average of it ('polyak', tau)
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../sim/index.js';
import { toTensorBatch, type TransitionColumns } from './batch.js';
import { criticLoss, riskTarget, type SafetyCritic } from './critic.js';
import { adam, type AdamState, type ParamOptimizer } from './nn/adam.js';
import { createVariablesFrom, readValues } from './nn/module.js';
import type { NextActionFn } from './models.js';
import type { RecoveryPolicy } from './policies.js';

export interface RiskLearnerConfig {
  readonly gammaRisk: number;
  readonly criticLr: number;
  readonly recoveryLr: number;
  /** Network inside the Bellman target (reference: online for RRL/Multi-Task, Polyak for MESA). */
  readonly target: 'online' | 'polyak';
  /** Polyak rate of the target network (tau_safe). */
  readonly tau: number;
}

export interface RiskLearnerState {
  readonly criticOptimizer: AdamState;
  readonly recoveryOptimizer: AdamState;
  readonly targetValues: Float32Array[] | null;
}

export interface RiskUpdateStats {
  readonly criticLoss: number;
  readonly recoveryLoss: number;
}


export class RiskLearner {
  readonly criticVars: tf.Variable[];
  readonly recoveryVars: tf.Variable[];
  readonly #targetVars: tf.Variable[] | null;
  readonly #criticOpt: ParamOptimizer;
  readonly #recoveryOpt: ParamOptimizer;

  constructor(
    readonly critic: SafetyCritic,
    criticValues: readonly Float32Array[],
    readonly recovery: RecoveryPolicy,
    recoveryValues: readonly Float32Array[],
    readonly config: RiskLearnerConfig,
    resume?: RiskLearnerState,
  ) {
    this.criticVars = createVariablesFrom(critic.shapes, criticValues);
    this.recoveryVars = createVariablesFrom(recovery.shapes, recoveryValues);
    this.#targetVars = config.target === 'polyak' ? createVariablesFrom(critic.shapes, resume?.targetValues ?? criticValues, false) : null;
    this.#criticOpt = adam(config.criticLr);
    this.#recoveryOpt = adam(config.recoveryLr);
    if (resume) {
      this.#criticOpt.loadState(resume.criticOptimizer);
      this.#recoveryOpt.loadState(resume.recoveryOptimizer);
    }
  }

  /** Optimizer moments and target network: what, with the values, resumes training exactly. */
  state(): RiskLearnerState {
    return {
      criticOptimizer: this.#criticOpt.state(),
      recoveryOptimizer: this.#recoveryOpt.state(),
      targetValues: this.#targetVars ? readValues(this.#targetVars) : null,
    };
  }

  update(batch: TransitionColumns, nextAction: NextActionFn, rng: Rng): RiskUpdateStats {
    const { critic, recovery, config } = this;
    const stats = tf.tidy(() => {
      const b = toTensorBatch(batch);
      const y = riskTarget(critic, this.#targetVars ?? this.criticVars, b, nextAction(b.nextObs, rng), config.gammaRisk);
      const q = tf.variableGrads(() => criticLoss(critic, this.criticVars, b, y), this.criticVars);
      this.#criticOpt.apply(this.criticVars, this.criticVars.map((v) => q.grads[v.name]));
      const rec = tf.variableGrads(() => recovery.loss(this.recoveryVars, b.obs, (a) => critic.risk(this.criticVars, b.obs, a), rng), this.recoveryVars);
      this.#recoveryOpt.apply(this.recoveryVars, this.recoveryVars.map((v) => rec.grads[v.name]));
      return tf.stack([q.value, rec.value]);
    });
    const [criticLossValue, recoveryLossValue] = stats.dataSync();
    stats.dispose();
    if (this.#targetVars) polyakUpdate(this.#targetVars, this.criticVars, config.tau);
    return { criticLoss: criticLossValue, recoveryLoss: recoveryLossValue };
  }

  /** Risk of a batch under the current critic, [batch] values. */
  risk(obs: Float32Array, action: Float32Array, size: number): Float32Array {
    const r = tf.tidy(() => this.critic.risk(this.criticVars, tf.tensor2d(obs, [size, this.critic.observationSize]), tf.tensor2d(action, [size, this.critic.actionSize])));
    const values = r.dataSync() as Float32Array;
    r.dispose();
    return values;
  }

  values(): { critic: Float32Array[]; recovery: Float32Array[] } {
    return { critic: readValues(this.criticVars), recovery: readValues(this.recoveryVars) };
  }

  dispose(): void {
    for (const v of [...this.criticVars, ...this.recoveryVars, ...(this.#targetVars ?? [])]) v.dispose();
    this.#criticOpt.dispose();
    this.#recoveryOpt.dispose();
  }
}

/** target <- (1 - tau) target + tau online. */
export function polyakUpdate(target: readonly tf.Variable[], online: readonly tf.Tensor[], tau: number): void {
  tf.tidy(() => target.forEach((t, k) => t.assign(tf.add(tf.mul(t, 1 - tau), tf.mul(online[k], tau)))));
}
