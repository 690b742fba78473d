import { readBundle, type Manifest, type Provenance } from '../models/format/index.js';
import { box, type Box } from '../sim/index.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { exportBundle } from './export/index.js';
import { z } from 'zod';
import { actionBox, loadModels, modelSpecSchema, saveModels, type ModelSpec, type ShieldModels } from './models.js';
import type { PhaseMeta } from './phases.js';
import type { PhaseState } from './train.js';

export interface ModelBundleOptions {
  readonly epsRisk: number;
  readonly gammaRisk: number;
  /** Observation bounds; unbounded by default. */
  readonly observationSpace?: Box;
  /** Defaults to the centre of the action box. */
  readonly neutralAction?: readonly number[];
  readonly provenance: Omit<Provenance, 'createdAt' | 'method'>;
  /** The optimizer state of the phase that produced the models, for a phase that continues it. */
  readonly phaseState?: PhaseState;
}

/**
 * Writes the models as a deployable bundle (ONNX critic and recovery policy) that also carries
 * their trainable parameters, so `adapt` can continue from it.
 */
export function writeModelBundle(dir: string, models: ShieldModels, options: ModelBundleOptions): Promise<Manifest> {
  const tensors: Record<string, Float32Array> = { ...(options.phaseState?.tensors ?? {}) };
  const spec = saveModels(models, tensors);
  const actions = actionBox(models.spec);
  return exportBundle(dir, {
    domain: models.spec.domain,
    critic: models.critic,
    criticValues: models.criticValues,
    recovery: models.recovery,
    recoveryValues: models.recoveryValues,
    observationSpace: options.observationSpace ?? box(new Array(models.spec.observationSize).fill(-Infinity), new Array(models.spec.observationSize).fill(Infinity)),
    actionSpace: models.recovery.actionSpace,
    neutralAction: options.neutralAction ?? Array.from(actions.low, (lo, i) => (lo + actions.high[i]) / 2),
    epsRisk: options.epsRisk,
    gammaRisk: options.gammaRisk,
    provenance: { ...options.provenance, method: models.spec.method },
    training: encodeCheckpoint({ meta: { spec, phaseState: options.phaseState?.meta ?? null }, tensors }),
  });
}

/** The bundle's manifest, its models rebuilt from the parameters it carries, and the optimizer state stored with them. */
export async function readModelBundle(dir: string): Promise<{ manifest: Manifest; models: ShieldModels; phaseState: PhaseState | null }> {
  const bundle = await readBundle(dir);
  if (!bundle.training) {
    throw new Error(`model bundle ${bundle.dir}: it carries no trainable parameters (only ONNX models), so it cannot be trained further; use a bundle written by mesa-shield train or adapt`);
  }
  const checkpoint = decodeCheckpoint(bundle.training, parseTrainingMeta, `model bundle ${bundle.dir}`);
  const { spec, phaseState } = checkpoint.meta;
  return {
    manifest: bundle.manifest,
    models: loadModels(spec, checkpoint.tensors),
    phaseState: phaseState ? { meta: phaseState, tensors: checkpoint.tensors } : null,
  };
}

const trainingMetaSchema = z.object({ spec: modelSpecSchema, phaseState: z.record(z.string(), z.unknown()).nullable().optional() });

function parseTrainingMeta(meta: unknown): { spec: ModelSpec; phaseState: PhaseMeta | null } {
  const parsed = trainingMetaSchema.parse(meta);
  return { spec: parsed.spec as ModelSpec, phaseState: parsed.phaseState ?? null };
}
