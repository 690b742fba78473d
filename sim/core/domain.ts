import type { DomainId, Env, EnvironmentSet, EnvOptions, EnvParams } from './env.js';
import type { Rng } from './rng.js';

/** Facts about a domain and its environment distribution, as in the reference implementation. */
export interface DomainSpec {
  readonly id: DomainId;
  readonly summary: string;
  readonly observationSize: number;
  readonly actionSize: number;
  readonly horizon: number;
  /** Number of training environments in the distribution. */
  readonly trainEnvCount: number;
  /** Paper dataset sizes: transitions per training environment and in the small test dataset. */
  readonly datasetSizes: { readonly trainPerEnv: number; readonly test: number };
  /** Samples the training environments and the held-out test environment. */
  sampleEnvironments(rng: Rng): EnvironmentSet;
  /** Builds one environment (MuJoCo domains load their model, hence async). */
  make(params: EnvParams, options?: EnvOptions): Promise<Env>;
  /** One line describing an environment, e.g. "B = diag(0.93, 1.21)". */
  describe(params: EnvParams): string;
}
