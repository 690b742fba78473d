/**
 * The offline recipes of the three methods, as sequences of phases (spec section 5):
 *   train mesa       phase 1: MAML over the training datasets            (MetaPhase)
 *   train multitask  phase 1: critic + recovery on the pooled training data (RiskPhase)
 *   train rrl        critic + recovery from scratch on the test data      (RiskPhase)
 *   adapt mesa       phase 2: fresh Adam (critic 1e-4, recovery 1e-3), Polyak target network, on the test data
 *   adapt multitask  phase 2: Adam continued (3e-4), online target, on the test data
 *   adapt rrl        more of its own training, on new data
 * Every phase checkpoints periodically and resumes exactly (values, Adam moments, RNG state).
 */
import { z } from 'zod';
import { Rng, type RngState } from '../sim/index.js';
import type { BatchSource } from './batch.js';
import { checkpointExists, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { MAML_DEFAULTS, type MamlConfig } from './maml.js';
import { createModels, loadModels, modelSpecSchema, saveModels, type Method, type ModelSpec, type ShieldModels } from './models.js';
import { MetaPhase, RiskPhase, type Phase, type PhaseMeta, type PhaseStats } from './phases.js';
import { LEARNING_RATES, riskLearningRates, TAU_RISK } from './settings.js';

export type PhaseName = 'meta' | 'pooled' | 'test-data' | 'adapt';

export interface Progress {
  readonly phase: PhaseName;
  readonly iteration: number;
  readonly total: number;
  readonly stats: PhaseStats;
}

export interface RunControl {
  /** Folder for periodic checkpoints; resuming reads it. */
  readonly checkpointDir?: string;
  /** Iterations between checkpoints. */
  readonly checkpointEvery?: number;
  /** Continue from the checkpoint in `checkpointDir` when there is one. */
  readonly resume?: boolean;
  readonly onProgress?: (p: Progress) => void;
  /** Stop after the current iteration (and checkpoint) when aborted. */
  readonly signal?: AbortSignal;
}

export interface PhaseResult {
  readonly models: ShieldModels;
  readonly phase: PhaseName;
  readonly iterations: number;
  readonly completed: boolean;
  readonly lastStats: PhaseStats | null;
  /** The phase's optimizer state at the end, so that a later phase can continue it (Multi-Task's phase 2). */
  readonly phaseState: PhaseState;
}

/** A phase's saved optimizer/auxiliary state: tensors under `phase.*` and their JSON description. */
export interface PhaseState {
  readonly tensors: Readonly<Record<string, Float32Array>>;
  readonly meta: PhaseMeta;
}

const checkpointMetaSchema = z.object({
  phase: z.enum(['meta', 'pooled', 'test-data', 'adapt']),
  iteration: z.number().int().nonnegative(),
  total: z.number().int().positive(),
  spec: modelSpecSchema,
  rng: z.object({ words: z.array(z.number()), spareNormal: z.number().nullable() }),
  phaseState: z.record(z.string(), z.unknown()),
});
type CheckpointMeta = z.infer<typeof checkpointMetaSchema>;

function stateOf(phase: Phase): PhaseState {
  const tensors: Record<string, Float32Array> = {};
  return { meta: phase.save(tensors), tensors };
}

interface PhasePlan {
  readonly name: PhaseName;
  readonly total: number;
  readonly build: (models: ShieldModels, rng: Rng, resume?: PhaseState) => Phase;
}

async function runPlan(plan: PhasePlan, start: { models: ShieldModels; phaseState?: PhaseState } | null, spec: ModelSpec, seed: number, control: RunControl): Promise<PhaseResult> {
  let rng = new Rng(seed);
  let models: ShieldModels;
  let phase: Phase;
  let first = 0;
  const { checkpointDir } = control;
  if (control.resume && checkpointDir && checkpointExists(checkpointDir)) {
    const cp = readCheckpoint<CheckpointMeta>(checkpointDir, (m) => checkpointMetaSchema.parse(m));
    if (cp.meta.phase !== plan.name) throw new Error(`checkpoint ${checkpointDir} is from phase "${cp.meta.phase}", not "${plan.name}"`);
    if (cp.meta.spec.method !== spec.method || cp.meta.spec.domain !== spec.domain) {
      throw new Error(`checkpoint ${checkpointDir} is a ${cp.meta.spec.method} run on ${cp.meta.spec.domain}, not ${spec.method} on ${spec.domain}`);
    }
    models = loadModels(cp.meta.spec as ModelSpec, cp.tensors);
    rng = Rng.fromState(cp.meta.rng as RngState);
    phase = plan.build(models, rng, { tensors: cp.tensors, meta: cp.meta.phaseState });
    first = cp.meta.iteration;
  } else {
    models = start?.models ?? createModels(spec, rng.fork('init'));
    phase = plan.build(models, rng, start?.phaseState);
  }

  const save = (iteration: number) => {
    if (!checkpointDir) return;
    phase.commit();
    const tensors: Record<string, Float32Array> = {};
    const savedSpec = saveModels(models, tensors);
    const phaseState = phase.save(tensors);
    writeCheckpoint<CheckpointMeta>(checkpointDir, {
      meta: { phase: plan.name, iteration, total: plan.total, spec: savedSpec as CheckpointMeta['spec'], rng: rng.state() as CheckpointMeta['rng'], phaseState: phaseState as Record<string, unknown> },
      tensors,
    });
  };

  const every = control.checkpointEvery ?? 500;
  let lastStats: PhaseStats | null = null;
  let lastYield = performance.now();
  let iteration = first;
  try {
    while (iteration < plan.total) {
      lastStats = phase.step(rng);
      iteration += 1;
      control.onProgress?.({ phase: plan.name, iteration, total: plan.total, stats: lastStats });
      if (iteration % every === 0 && iteration < plan.total) save(iteration);
      // Let signal handlers (Ctrl-C) run between iterations.
      if (performance.now() - lastYield > 200) {
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
      }
      if (control.signal?.aborted) {
        save(iteration);
        return { models, phase: plan.name, iterations: iteration, completed: false, lastStats, phaseState: stateOf(phase) };
      }
    }
    phase.commit();
    return { models, phase: plan.name, iterations: iteration, completed: true, lastStats, phaseState: stateOf(phase) };
  } finally {
    phase.dispose();
  }
}

export interface TrainInputs {
  readonly method: Method;
  readonly spec: ModelSpec;
  /** One batch source per training environment (MESA's tasks; pooled for Multi-Task). */
  readonly train: readonly BatchSource[];
  /** All training data as one source (Multi-Task). */
  readonly pooled: BatchSource;
  /** The small test-environment dataset (RRL's data; MESA's recovery-policy data in phase 1). */
  readonly test: BatchSource;
  readonly gammaRisk: number;
  readonly iterations: number;
  /** Batch size of RRL's and Multi-Task's updates (MESA uses the MAML batch sizes). */
  readonly batchSize: number;
  readonly seed: number;
  readonly maml?: Partial<Omit<MamlConfig, 'gammaRisk'>>;
}

export function train(inputs: TrainInputs, control: RunControl = {}): Promise<PhaseResult> {
  const { method, spec, gammaRisk, iterations } = inputs;
  const plain = { gammaRisk, criticLr: LEARNING_RATES.plain, recoveryLr: LEARNING_RATES.plain, target: 'online' as const, tau: TAU_RISK, batchSize: inputs.batchSize };
  const plan: PhasePlan =
    method === 'mesa'
      ? { name: 'meta', total: iterations, build: (m, rng, resume) => new MetaPhase(m, inputs.train, inputs.test, { ...MAML_DEFAULTS, ...inputs.maml, gammaRisk }, rng, resume) }
      : method === 'multitask'
        ? { name: 'pooled', total: iterations, build: (m, rng, resume) => new RiskPhase(m, inputs.pooled, plain, rng, resume) }
        : { name: 'test-data', total: iterations, build: (m, rng, resume) => new RiskPhase(m, inputs.test, plain, rng, resume) };
  return runPlan(plan, null, spec, inputs.seed, control);
}

export interface AdaptInputs {
  readonly models: ShieldModels;
  /** Multi-Task continues its phase-1 optimizers (the state stored with the models); MESA starts fresh ones. */
  readonly phaseState?: PhaseState | null;
  readonly data: BatchSource;
  readonly gammaRisk: number;
  readonly iterations: number;
  readonly batchSize: number;
  readonly seed: number;
  /** Adam learning rates of critic and recovery policy; those not given are `riskLearningRates` of the method's. */
  readonly rates?: { readonly criticLr?: number; readonly recoveryLr?: number };
}

export function adapt(inputs: AdaptInputs, control: RunControl = {}): Promise<PhaseResult> {
  const { models, gammaRisk, batchSize } = inputs;
  const mesa = models.spec.method === 'mesa';
  const config = { gammaRisk, ...riskLearningRates(models.spec.method), ...inputs.rates, target: mesa ? ('polyak' as const) : ('online' as const), tau: TAU_RISK, batchSize };
  const plan: PhasePlan = { name: 'adapt', total: inputs.iterations, build: (m, rng, resume) => new RiskPhase(m, inputs.data, config, rng, resume) };
  const continued = models.spec.method === 'multitask' && inputs.phaseState ? { phaseState: inputs.phaseState } : {};
  return runPlan(plan, { models, ...continued }, models.spec, inputs.seed, control);
}
