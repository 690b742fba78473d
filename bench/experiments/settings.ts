/**
 * Settings of the phase-3 experiments (spec sections 6.3 and 10): per domain, the episode budget,
 * start steps and the risk settings come from `training/settings.ts`; SAC is the reference's.
 * A run may use fewer episodes than the paper (stated in every record and in the report).
 */
import { z } from 'zod';
import { DOMAIN_IDS, getDomain, type DomainId } from '../../sim/index.js';
import { sacConfig, type SacConfig } from '../../training/sac.js';
import { DOMAIN_SETTINGS, riskLearningRates, TAU_RISK } from '../../training/settings.js';

export const EXPERIMENT_METHODS = ['unconstrained', 'rrl', 'multitask', 'mesa'] as const;
export type ExperimentMethod = (typeof EXPERIMENT_METHODS)[number];

/** The seeds of the paper's protocol (5 per method and domain). */
export const DEFAULT_SEEDS = [0, 1, 2, 3, 4] as const;

/** Default bundle of a safe method: the shipped `models/<domain>-<method>`; `{seed}` in a template makes it per seed. */
export const DEFAULT_BUNDLES = 'models/{domain}-{method}';

export const experimentSettingsSchema = z.object({
  domain: z.enum(DOMAIN_IDS),
  method: z.enum(EXPERIMENT_METHODS),
  seed: z.int().min(0).max(2 ** 31 - 1),
  /** Online episodes (paper: the domain's budget). */
  episodes: z.int().min(1),
  /** Steps of uniformly random proposals at the start (paper: the domain's start_steps). */
  startSteps: z.int().min(0),
  gammaRisk: z.number().gt(0).lt(1),
  epsRisk: z.number().gt(0).lt(1),
  posFraction: z.number().gt(0).lt(1).nullable(),
  /** MESA's risk target network: its Polyak rate when not the reference's TAU_RISK (absent: the reference's). */
  tauRisk: z.number().gt(0).max(1).optional(),
  /** Bundle the safe methods start from (null for unconstrained). */
  bundle: z.string().nullable(),
  /** Seed of the test environment and D_test (the robot the bundle was adapted to). */
  dataSeed: z.int().min(0),
  /** Transitions of D_test in the risk buffer (paper: the domain's test dataset size). */
  testSize: z.int().min(1),
  /** Transitions per SAC and risk update. */
  batchSize: z.int().min(1),
  /** Episodes between checkpoints. */
  checkpointEvery: z.int().min(1),
});

export type ExperimentSettings = z.infer<typeof experimentSettingsSchema>;

export interface ExperimentRequest {
  readonly domain: DomainId;
  readonly method: ExperimentMethod;
  readonly seed: number;
  /** Fewer episodes than the paper's budget (smoke runs, the locomotion domains on small machines). */
  readonly episodes?: number;
  /** Bundle path template: `{domain}`, `{method}`, `{seed}` are replaced (default DEFAULT_BUNDLES). */
  readonly bundles?: string;
  /**
   * Seed of the test robot and its D_test when the template has no `{seed}` (one bundle for all
   * seeds): the seed the bundles were adapted with. Default 0, the shipped bundles' seed.
   */
  readonly dataSeed?: number;
  /**
   * Transitions of D_test (default: the paper's test dataset size); the head of the paper-size
   * D_test, as `mesa-shield collect --test-size` makes it (the test-dataset-size ablation, or
   * reduced-scale bundles adapted on less data).
   */
  readonly testSize?: number;
  /**
   * Share of violating transitions in every online risk batch, instead of the domain's setting
   * (the reference: 0.3 on HalfCheetah, uniform batches elsewhere). Batches are drawn once the risk
   * buffer holds enough violations.
   */
  readonly posFraction?: number;
  /**
   * Polyak rate of MESA's risk target network instead of the reference's 0.0002 (the other safe
   * methods bootstrap from the online critic; for them it is not recorded).
   */
  readonly tauRisk?: number;
  readonly checkpointEvery?: number;
}

/** The reference's settings for one run, with the request's overrides. */
export function experimentSettings(r: ExperimentRequest): ExperimentSettings {
  const d = DOMAIN_SETTINGS[r.domain];
  const template = r.bundles ?? DEFAULT_BUNDLES;
  const perSeed = template.includes('{seed}');
  return experimentSettingsSchema.parse({
    domain: r.domain,
    method: r.method,
    seed: r.seed,
    episodes: r.episodes ?? d.episodes,
    startSteps: d.startSteps,
    gammaRisk: d.gammaRisk,
    epsRisk: d.epsRisk,
    posFraction: r.posFraction ?? d.posFraction,
    ...(r.method === 'mesa' && r.tauRisk !== undefined ? { tauRisk: r.tauRisk } : {}),
    bundle: r.method === 'unconstrained' ? null : template.replaceAll('{domain}', r.domain).replaceAll('{method}', r.method).replaceAll('{seed}', String(r.seed)),
    dataSeed: perSeed ? r.seed : (r.dataSeed ?? 0),
    testSize: r.testSize ?? getDomain(r.domain).datasetSizes.test,
    batchSize: 256,
    checkpointEvery: r.checkpointEvery ?? 10,
  });
}

/** The paper's D_test size for the domain. */
export function paperTestSize(domain: DomainId): number {
  return getDomain(domain).datasetSizes.test;
}

/** The reference's share of violating transitions per risk batch for the domain (null: uniform batches). */
export function paperPosFraction(domain: DomainId): number | null {
  return DOMAIN_SETTINGS[domain].posFraction;
}

/** The paper's budget for the domain, to say whether a run is at its scale. */
export function paperEpisodes(domain: DomainId): number {
  return DOMAIN_SETTINGS[domain].episodes;
}

export function sacSettings(s: ExperimentSettings): SacConfig {
  return sacConfig(s.domain, { startSteps: s.startSteps, batchSize: s.batchSize });
}

/**
 * Online updates of the critic and recovery policy (spec 6.2, 3.1/3.2): RRL and Multi-Task at
 * Adam 3e-4 with the online critic in the target; MESA with a Polyak target network, at the
 * learning rates of its phase 2 (critic 1e-4, the project's; recovery 1e-3, the reference's;
 * training/settings.ts says why).
 */
export function riskUpdateSettings(method: Exclude<ExperimentMethod, 'unconstrained'>, s: ExperimentSettings) {
  return { gammaRisk: s.gammaRisk, ...riskLearningRates(method), target: method === 'mesa' ? ('polyak' as const) : ('online' as const), tau: s.tauRisk ?? TAU_RISK };
}
