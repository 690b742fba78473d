/**
 * The training phases every method is made of, each a step function over a data source with a
 * state that can be checkpointed and resumed:
 * - `MetaPhase`: MESA phase 1 (MAML over the training datasets, recovery policy on D_test);
 * - `RiskPhase`: critic + recovery updates on one data source: RRL's training on D_test,
 *   Multi-Task's pooled phase 1, and the phase-2 adaptation of MESA and Multi-Task.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../sim/index.js';
import type { BatchSource } from './batch.js';
import { putList, takeList } from './checkpoint.js';
import { inverseSoftplus, metaStep, type MamlConfig, type MetaLearner } from './maml.js';
import { adam, type AdamState, type ParamOptimizer } from './nn/adam.js';
import { createVariablesFrom, readValues } from './nn/module.js';
import { taskPolicySampler, type ShieldModels } from './models.js';
import { RiskLearner, type RiskLearnerConfig } from './risk-learner.js';

export type PhaseStats = Readonly<Record<string, number>>;

export interface Phase {
  step(rng: Rng): PhaseStats;
  /** Copies the current parameter values into the models. */
  commit(): void;
  /** Optimizer and auxiliary state (not the models' values) for a checkpoint. */
  save(into: Record<string, Float32Array>): PhaseMeta;
  dispose(): void;
}

/** JSON part of a phase's checkpoint state. */
export type PhaseMeta = Readonly<Record<string, unknown>>;

/** Adds an optimizer's moments to checkpoint tensors under `prefix`; returns the JSON part. */
export function saveAdam(into: Record<string, Float32Array>, prefix: string, state: AdamState): { step: number; moments: number } {
  putList(into, `${prefix}.m`, state.moments.map((x) => x.m));
  putList(into, `${prefix}.v`, state.moments.map((x) => x.v));
  return { step: state.step, moments: state.moments.length };
}

/** Reads back what `saveAdam` stored. */
export function loadAdam(from: Readonly<Record<string, Float32Array>>, prefix: string, meta: unknown, shapes: readonly (readonly number[])[]): AdamState {
  const { step, moments } = meta as { step: number; moments: number };
  if (moments === 0) return { step, moments: [] };
  const m = takeList(from, `${prefix}.m`, shapes);
  const v = takeList(from, `${prefix}.v`, shapes);
  return { step, moments: m.map((mi, i) => ({ m: mi, v: v[i] })) };
}

export class MetaPhase implements Phase {
  readonly #learner: MetaLearner;
  readonly #optimizers: { theta: ParamOptimizer; rho: ParamOptimizer; recovery: ParamOptimizer };
  readonly #policy: ReturnType<typeof taskPolicySampler>;

  constructor(
    readonly models: ShieldModels,
    readonly tasks: readonly BatchSource[],
    readonly testData: BatchSource,
    readonly config: MamlConfig,
    rng: Rng,
    resume?: { readonly tensors: Readonly<Record<string, Float32Array>>; readonly meta: PhaseMeta },
  ) {
    const { critic, recovery } = models;
    this.#policy = taskPolicySampler(models);
    const scalarShapes = critic.shapes.map(() => [] as number[]);
    const rho = resume ? takeList(resume.tensors, 'phase.rho', scalarShapes) : critic.shapes.map(() => Float32Array.of(inverseSoftplus(config.initialStepSize)));
    this.#learner = {
      critic,
      theta: createVariablesFrom(critic.shapes, models.criticValues),
      rho: createVariablesFrom(scalarShapes, rho),
      recovery,
      recoveryParams: createVariablesFrom(recovery.shapes, models.recoveryValues),
      nextAction: this.#policy.sample,
    };
    this.#optimizers = { theta: adam(config.outerLr), rho: adam(config.stepSizeLr), recovery: adam(config.recoveryLr) };
    if (resume) {
      const opt = resume.meta.optimizers as Record<'theta' | 'rho' | 'recovery', unknown>;
      this.#optimizers.theta.loadState(loadAdam(resume.tensors, 'phase.opt.theta', opt.theta, critic.shapes));
      this.#optimizers.rho.loadState(loadAdam(resume.tensors, 'phase.opt.rho', opt.rho, scalarShapes));
      this.#optimizers.recovery.loadState(loadAdam(resume.tensors, 'phase.opt.recovery', opt.recovery, recovery.shapes));
    }
  }

  step(rng: Rng): PhaseStats {
    return { ...metaStep(this.#learner, this.tasks, this.testData, this.#optimizers, this.config, rng), innerStep: this.meanInnerStep() };
  }

  /** Mean learned inner step size softplus(rho) over the parameter tensors. */
  meanInnerStep(): number {
    return tf.tidy(() => tf.mean(tf.softplus(tf.stack(this.#learner.rho))).dataSync()[0]);
  }

  commit(): void {
    this.models.criticValues = readValues(this.#learner.theta);
    this.models.recoveryValues = readValues(this.#learner.recoveryParams);
  }

  save(into: Record<string, Float32Array>): PhaseMeta {
    putList(into, 'phase.rho', readValues(this.#learner.rho));
    return {
      optimizers: {
        theta: saveAdam(into, 'phase.opt.theta', this.#optimizers.theta.state()),
        rho: saveAdam(into, 'phase.opt.rho', this.#optimizers.rho.state()),
        recovery: saveAdam(into, 'phase.opt.recovery', this.#optimizers.recovery.state()),
      },
    };
  }

  dispose(): void {
    tf.dispose([...this.#learner.theta, ...this.#learner.rho, ...this.#learner.recoveryParams]);
    this.#policy.dispose();
  }
}

export interface RiskPhaseConfig extends RiskLearnerConfig {
  readonly batchSize: number;
}

export class RiskPhase implements Phase {
  readonly #learner: RiskLearner;
  readonly #policy: ReturnType<typeof taskPolicySampler>;

  constructor(
    readonly models: ShieldModels,
    readonly data: BatchSource,
    readonly config: RiskPhaseConfig,
    rng: Rng,
    resume?: { readonly tensors: Readonly<Record<string, Float32Array>>; readonly meta: PhaseMeta },
  ) {
    this.#policy = taskPolicySampler(models);
    const { critic, recovery } = models;
    const state = resume
      ? {
          criticOptimizer: loadAdam(resume.tensors, 'phase.opt.critic', (resume.meta.optimizers as Record<string, unknown>).critic, critic.shapes),
          recoveryOptimizer: loadAdam(resume.tensors, 'phase.opt.recovery', (resume.meta.optimizers as Record<string, unknown>).recovery, recovery.shapes),
          targetValues: config.target === 'polyak' ? takeList(resume.tensors, 'phase.target', critic.shapes) : null,
        }
      : undefined;
    this.#learner = new RiskLearner(critic, models.criticValues, recovery, models.recoveryValues, config, state);
  }

  step(rng: Rng): PhaseStats {
    const batch = this.data.sample(rng, Math.min(this.config.batchSize, this.data.size));
    return { ...this.#learner.update(batch, this.#policy.sample, rng) };
  }

  commit(): void {
    const v = this.#learner.values();
    this.models.criticValues = v.critic;
    this.models.recoveryValues = v.recovery;
  }

  save(into: Record<string, Float32Array>): PhaseMeta {
    const s = this.#learner.state();
    if (s.targetValues) putList(into, 'phase.target', s.targetValues);
    return {
      optimizers: {
        critic: saveAdam(into, 'phase.opt.critic', s.criticOptimizer),
        recovery: saveAdam(into, 'phase.opt.recovery', s.recoveryOptimizer),
      },
    };
  }

  dispose(): void {
    this.#learner.dispose();
    this.#policy.dispose();
  }
}

