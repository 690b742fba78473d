import { basename, resolve } from 'node:path';
import type { Box } from '../../sim/index.js';
import { CRITIC_IO, FORMAT_VERSION, RECOVERY_IO, writeBundle, type Manifest, type Provenance, type TrainingFiles } from '../../models/format/index.js';
import type { SafetyCritic } from '../critic.js';
import type { RecoveryPolicy } from '../policies.js';
import { criticToOnnx, policyToOnnx } from './onnx.js';

export interface ExportBundleOptions {
  /** Defaults to the folder's name. */
  readonly name?: string;
  /** A sim domain id, or the name of the robot the models are for. */
  readonly domain: string;
  readonly critic: SafetyCritic;
  readonly criticValues: readonly Float32Array[];
  readonly recovery: RecoveryPolicy;
  readonly recoveryValues: readonly Float32Array[];
  /** Observation bounds (may be infinite). */
  readonly observationSpace: Box;
  /** Must be the recovery policy's own action box, whose bounds its output scaling was built from. */
  readonly actionSpace: Box;
  /** The action the shield holds when configured to (`hold`); inside the action box. */
  readonly neutralAction: ArrayLike<number>;
  readonly epsRisk: number;
  readonly gammaRisk: number;
  /** `createdAt` defaults to now. */
  readonly provenance: Omit<Provenance, 'createdAt'> & { readonly createdAt?: string };
  /** Trainable parameters and optimizer state to ship with the models, so the bundle can be adapted. */
  readonly training?: TrainingFiles;
}

/**
 * Folds the critic and the recovery policy into dense layers, converts both to ONNX and writes the
 * bundle atomically to `dir`. The models take raw observations, so `normalization` is null.
 * Returns the manifest written.
 */
export async function exportBundle(dir: string, options: ExportBundleOptions): Promise<Manifest> {
  const { critic, recovery, observationSpace: obs, actionSpace: act } = options;
  checkParameters('critic', critic.names, critic.shapes, options.criticValues);
  checkParameters('recovery policy', recovery.names, recovery.shapes, options.recoveryValues);
  const sizes = [
    ['critic observation size', critic.observationSize, obs.size],
    ['recovery policy observation size', recovery.observationSize, obs.size],
    ['critic action size', critic.actionSize, act.size],
  ] as const;
  for (const [what, actual, expected] of sizes) {
    if (actual !== expected) throw new Error(`exportBundle: ${what} is ${actual}, but the bundle's space has ${expected}`);
  }
  if (!sameBox(act, recovery.actionSpace)) throw new Error("exportBundle: actionSpace differs from the recovery policy's action box");

  const criticOnnx = criticToOnnx(critic.fold(options.criticValues), obs.size, act.size);
  const recoveryOnnx = policyToOnnx(recovery.fold(options.recoveryValues), obs.size);
  return writeBundle(dir, {
    manifest: {
      formatVersion: FORMAT_VERSION,
      name: options.name ?? basename(resolve(dir)),
      domain: options.domain,
      observation: { size: obs.size, low: Array.from(obs.low), high: Array.from(obs.high) },
      action: { size: act.size, low: Array.from(act.low), high: Array.from(act.high) },
      normalization: null,
      neutralAction: Array.from(options.neutralAction),
      risk: { epsRisk: options.epsRisk, gammaRisk: options.gammaRisk },
      models: {
        critic: { inputs: [...CRITIC_IO.inputs], output: CRITIC_IO.output, architecture: critic.architecture },
        recovery: { input: RECOVERY_IO.input, output: RECOVERY_IO.output, kind: recovery.kind },
      },
      provenance: { ...options.provenance, createdAt: options.provenance.createdAt ?? new Date().toISOString() },
    },
    criticOnnx,
    recoveryOnnx,
    ...(options.training ? { training: options.training } : {}),
  });
}

function checkParameters(what: string, names: readonly string[], shapes: readonly (readonly number[])[], values: readonly Float32Array[]): void {
  if (values.length !== shapes.length) throw new Error(`exportBundle: the ${what} has ${shapes.length} parameter tensors, got ${values.length}`);
  values.forEach((v, i) => {
    const size = shapes[i].reduce((a, b) => a * b, 1);
    if (v.length !== size) throw new Error(`exportBundle: ${what} parameter ${names[i]} has ${v.length} values, expected ${size} ([${shapes[i]}])`);
  });
}

function sameBox(a: Box, b: Box): boolean {
  return a.size === b.size && a.low.every((v, i) => v === b.low[i]) && a.high.every((v, i) => v === b.high[i]);
}
