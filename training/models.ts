import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { box, Rng, type Box } from '../sim/index.js';
import { CRITIC_ARCHITECTURES, SafetyCritic, type CriticArchitecture } from './critic.js';
import type { ObservationScale } from './nn/observation-scale.js';
import { putList, takeList } from './checkpoint.js';
import { RecoveryPolicy, SquashedGaussianActor, type RecoveryKind } from './policies.js';

export const METHODS = ['mesa', 'multitask', 'rrl'] as const;
export type Method = (typeof METHODS)[number];

/** What identifies the networks of one training run; enough to rebuild them from saved values. */
export interface ModelSpec {
  readonly method: Method;
  readonly domain: string;
  readonly observationSize: number;
  readonly actionLow: readonly number[];
  readonly actionHigh: readonly number[];
  readonly criticArchitecture: CriticArchitecture;
  readonly criticHidden: readonly number[] | null;
  readonly recoveryKind: RecoveryKind;
  /** Standardization of observations inside critic and recovery policy; null or absent: raw observations (the reference). */
  readonly observationScale?: ObservationScale | null;
}

export const modelSpecSchema = z.object({
  method: z.enum(METHODS),
  domain: z.string(),
  observationSize: z.number().int().positive(),
  actionLow: z.array(z.number()),
  actionHigh: z.array(z.number()),
  criticArchitecture: z.enum(CRITIC_ARCHITECTURES as [CriticArchitecture, ...CriticArchitecture[]]),
  criticHidden: z.array(z.number().int().positive()).nullable(),
  recoveryKind: z.enum(['gaussian', 'deterministic']),
  observationScale: z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()) }).nullable().optional(),
});

/**
 * The networks of a run and their current values: the safety critic, the recovery policy, and the
 * (randomly initialised, never trained offline) task policy whose samples a' enter the risk targets.
 */
export interface ShieldModels {
  readonly spec: ModelSpec;
  readonly critic: SafetyCritic;
  readonly recovery: RecoveryPolicy;
  readonly taskPolicy: SquashedGaussianActor;
  criticValues: Float32Array[];
  recoveryValues: Float32Array[];
  taskPolicyValues: Float32Array[];
}

/** The reference's architecture per method: MESA's weight-transform critic and deterministic recovery, else twin 2 x 256 and Gaussian. */
export function defaultArchitecture(method: Method): { critic: CriticArchitecture; recovery: RecoveryKind } {
  return method === 'mesa' ? { critic: 'weight-transform', recovery: 'deterministic' } : { critic: 'twin-mlp', recovery: 'gaussian' };
}

export function actionBox(spec: Pick<ModelSpec, 'actionLow' | 'actionHigh'>): Box {
  return box(spec.actionLow, spec.actionHigh);
}

function buildNetworks(spec: ModelSpec) {
  const actions = actionBox(spec);
  const observationScale = spec.observationScale ?? null;
  return {
    critic: new SafetyCritic(spec.criticArchitecture, spec.observationSize, actions.size, { ...(spec.criticHidden ? { hidden: spec.criticHidden } : {}), observationScale }),
    recovery: new RecoveryPolicy(spec.recoveryKind, spec.observationSize, actions, { observationScale }),
    taskPolicy: new SquashedGaussianActor(spec.observationSize, actions),
  };
}

export function createModels(spec: ModelSpec, rng: Rng): ShieldModels {
  const nets = buildNetworks(spec);
  return {
    spec,
    ...nets,
    criticValues: nets.critic.init(rng.fork('critic')),
    recoveryValues: nets.recovery.init(rng.fork('recovery')),
    taskPolicyValues: nets.taskPolicy.init(rng.fork('task-policy')),
  };
}

/** Adds the models' values to a checkpoint's tensors under `models.*`. */
export function saveModels(models: ShieldModels, into: Record<string, Float32Array>): ModelSpec {
  putList(into, 'models.critic', models.criticValues);
  putList(into, 'models.recovery', models.recoveryValues);
  putList(into, 'models.taskPolicy', models.taskPolicyValues);
  return models.spec;
}

export function loadModels(spec: ModelSpec, tensors: Readonly<Record<string, Float32Array>>): ShieldModels {
  const nets = buildNetworks(spec);
  return {
    spec,
    ...nets,
    criticValues: takeList(tensors, 'models.critic', nets.critic.shapes),
    recoveryValues: takeList(tensors, 'models.recovery', nets.recovery.shapes),
    taskPolicyValues: takeList(tensors, 'models.taskPolicy', nets.taskPolicy.shapes),
  };
}

/** a' ~ pi_task(. | s') from the models' task policy, for the risk critic's targets. */
export function taskPolicySampler(models: ShieldModels): { sample: NextActionFn; dispose: () => void } {
  const params = models.taskPolicyValues.map((v, i) => tf.tensor(v, [...models.taskPolicy.shapes[i]]));
  return {
    sample: (obs, rng) => models.taskPolicy.sample(params, obs, rng).action,
    dispose: () => tf.dispose(params),
  };
}

/** Supplies a' for the Bellman target: a sample of the current task policy at s'. */
export type NextActionFn = (nextObs: tf.Tensor2D, rng: Rng) => tf.Tensor2D;
