/** Messages between the control process and the adaptation worker thread. */
import type { Manifest } from '../../models/format/index.js';

export interface AdaptationSettings {
  /** Bundle the worker starts from (must carry its training parameters). */
  readonly bundle: string;
  /** The offline test-environment dataset (.arrow) trained on alongside the online transitions. */
  readonly offlineData: string | null;
  /** Folder where candidate bundles are written. */
  readonly candidateDir: string;
  readonly gammaRisk: number;
  /** Polyak rate of the critic's target network; null takes the offline training's. */
  readonly tauRisk: number | null;
  readonly epsRisk: number;
  /** Critic + recovery updates between two candidates. */
  readonly iterationsPerCandidate: number;
  /** Recorded transitions needed before the next round of updates (an idle robot adds none). */
  readonly minNewTransitions: number;
  /** Candidate folders kept (the newest); older ones are deleted. */
  readonly keepCandidates: number;
  readonly batchSize: number;
  /** Share of transitions kept out of training to check candidates. */
  readonly heldOutFraction: number;
  /** A candidate must flag at least this share of held-out violating transitions (risk > eps). */
  readonly minRecall: number;
  /** Candidates are refused until the held-out buffer holds this many violations to measure recall on. */
  readonly minHeldOutViolations: number;
  /** Largest accepted |onnxruntime - tfjs| risk difference on the held-out buffer. */
  readonly parityTolerance: number;
  readonly seed: number;
}

/** Transitions as flat columns, transferred without copying. */
export interface TransitionChunk {
  readonly size: number;
  readonly obs: Float32Array;
  readonly action: Float32Array;
  readonly nextObs: Float32Array;
  readonly constraint: Uint8Array;
  readonly done: Uint8Array;
}

/**
 * Given to the worker at its creation where the control thread was protected (control-thread.ts):
 * the worker then lowers, and pins to `cpus` where given, every thread but `controlThread` before it
 * loads anything else.
 */
export interface WorkerProtection {
  readonly controlThread: number;
  readonly cpus: readonly number[] | null;
}

export type ToWorker = { readonly type: 'start'; readonly settings: AdaptationSettings } | { readonly type: 'transitions'; readonly chunk: TransitionChunk } | { readonly type: 'stop' };

export interface CandidateReport {
  readonly dir: string;
  readonly iteration: number;
  readonly recall: number | null;
  readonly parityError: number;
  readonly heldOut: number;
}

/** A candidate's checked models as the control thread opens them: pre-optimized (`preOptimize`) by the worker. */
export interface PreparedModels {
  readonly manifest: Manifest;
  readonly criticOnnx: Uint8Array;
  readonly recoveryOnnx: Uint8Array;
}

export type FromWorker =
  | { readonly type: 'ready'; readonly transitions: number }
  | { readonly type: 'candidate'; readonly report: CandidateReport; readonly models: PreparedModels }
  | { readonly type: 'rejected'; readonly report: CandidateReport; readonly reason: string }
  | { readonly type: 'stopped' };
