import { z } from 'zod';
import { DOMAIN_SETTINGS, LEARNING_RATES } from '../../training/settings.js';

/**
 * What the demo does, end to end, on Navigation 1. The defaults are sized to finish in a few
 * minutes on two cores; where they differ from the paper's recipe (`models/build.sh`), the
 * difference is listed in `DEMO_DEVIATIONS` and printed with the results.
 */
export const demoSettingsSchema = z.object({
  /** Seed of everything: the environment distribution (training and test robots), data, networks, episodes. */
  seed: z.int().min(0).max(2 ** 31 - 1),
  /** Training environments to collect (of the distribution's 24) and transitions in each. */
  trainEnvs: z.int().min(1).max(24),
  trainSize: z.int().min(1),
  /** Transitions of the new robot (the test environment): D_test. */
  testSize: z.int().min(1),
  /** MESA phase 1: meta-iterations and the outer Adam learning rate. */
  metaIterations: z.int().min(1),
  metaOuterLr: z.number().positive().max(1),
  /** Phase 2 on D_test: iterations, batch size and the critic's Adam learning rate (the recovery policy keeps the reference's). */
  adaptIterations: z.int().min(1),
  adaptBatch: z.int().min(1),
  adaptLr: z.number().positive().max(1),
  /** The baseline trained on D_test alone (Recovery RL); 0 leaves it out. */
  rrlIterations: z.int().min(0),
  rrlBatch: z.int().min(1),
  /** Standardize observations inside critic and recovery policy (training data statistics). */
  standardizeObservations: z.boolean(),
  /** Episodes in the test environment, for each of the compared runs. */
  episodes: z.int().min(1),
  /** Standard deviation of the task controller's exploration noise, per action coordinate. */
  controllerNoise: z.number().min(0),
  /** Episodes drawn in the plot's trajectory panels. */
  plottedEpisodes: z.int().min(1),
});

export type DemoSettings = z.infer<typeof demoSettingsSchema>;

const navigation = DOMAIN_SETTINGS.navigation1;

export const DEFAULT_DEMO: DemoSettings = {
  seed: 0,
  trainEnvs: 24,
  trainSize: 10_000,
  testSize: 100,
  metaIterations: 250,
  metaOuterLr: 1e-3,
  adaptIterations: navigation.phase2Iterations,
  adaptBatch: navigation.phase2Batch,
  adaptLr: LEARNING_RATES.mesaCritic,
  rrlIterations: 500,
  rrlBatch: navigation.rrlBatch,
  standardizeObservations: true,
  episodes: 100,
  controllerNoise: 0.8,
  plottedEpisodes: 30,
};

/** A run of seconds that exercises every stage (tests, a first look); its numbers mean nothing. */
export const QUICK_DEMO: DemoSettings = {
  ...DEFAULT_DEMO,
  trainEnvs: 2,
  trainSize: 200,
  metaIterations: 3,
  adaptIterations: 3,
  rrlIterations: 5,
  episodes: 4,
  plottedEpisodes: 4,
};

/** How the settings differ from the paper's recipe for Navigation 1 (spec section 10), in words. */
export function demoDeviations(s: DemoSettings): string[] {
  const out: string[] = [];
  if (s.trainEnvs < 24 || s.trainSize < 10_000) out.push(`${s.trainEnvs} training environments x ${s.trainSize} transitions (paper: 24 x 10,000)`);
  if (s.testSize !== 100) out.push(`D_test of ${s.testSize} transitions (paper: 100)`);
  if (s.metaIterations !== navigation.phase1Iterations || s.metaOuterLr !== 1e-5) {
    out.push(`MESA phase 1: ${s.metaIterations} meta-iterations at outer learning rate ${s.metaOuterLr} (paper: ${navigation.phase1Iterations.toLocaleString('en-US')} at 1e-5)`);
  }
  if (s.adaptIterations !== navigation.phase2Iterations || s.adaptBatch !== navigation.phase2Batch) out.push(`phase 2: ${s.adaptIterations} iterations, batch ${s.adaptBatch} (paper: ${navigation.phase2Iterations}, batch ${navigation.phase2Batch})`);
  if (s.adaptLr !== 1e-3) out.push(`phase-2 Adam learning rate of the critic ${s.adaptLr} (reference code: 1e-3, which saturates the weight-transform critic here; training/settings.ts)`);
  if (s.rrlIterations > 0 && s.rrlIterations !== navigation.rrlIterations) out.push(`RRL: ${s.rrlIterations} iterations on D_test (paper: ${navigation.rrlIterations.toLocaleString('en-US')})`);
  if (s.standardizeObservations) out.push('observations standardized inside critic and recovery policy (paper: raw observations)');
  out.push('the shields are fixed during the test episodes (paper, phase 3: critic and recovery policy keep learning online)');
  return out;
}
