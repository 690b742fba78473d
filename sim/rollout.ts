import type { Env } from './core/env.js';
import type { Rng } from './core/rng.js';
import { sampleBox, type Box } from './core/space.js';

/** Maps an observation to an action. */
export type Policy = (observation: Float64Array) => ArrayLike<number>;

/** Uniformly random actions in the action box. */
export function randomPolicy(actionSpace: Box, rng: Rng): Policy {
  return () => sampleBox(actionSpace, rng);
}

export interface EpisodeSummary {
  readonly return: number;
  readonly length: number;
  /** Steps whose state violated the constraint (at most 1 when the episode ends on violation). */
  readonly violations: number;
  /** The episode ended because of a violation. */
  readonly endedByViolation: boolean;
  /** Domain-defined task success of the final step, where the domain has one. */
  readonly success?: boolean;
}

/** Runs one episode from `env.reset(seed)` until done or truncated. */
export function runEpisode(env: Env, policy: Policy, seed: number): EpisodeSummary {
  let obs = env.reset(seed);
  let ret = 0;
  let violations = 0;
  for (;;) {
    const r = env.step(policy(obs));
    ret += r.reward;
    violations += r.constraint;
    obs = r.observation;
    if (r.done || r.truncated) {
      return {
        return: ret,
        length: r.info.step,
        violations,
        endedByViolation: r.done && r.constraint === 1,
        ...(r.info.success === undefined ? {} : { success: r.info.success }),
      };
    }
  }
}

export interface RunSummary {
  readonly episodes: number;
  readonly meanReturn: number;
  readonly stderrReturn: number;
  readonly meanLength: number;
  /** Share of episodes with at least one violation. */
  readonly violationEpisodeRate: number;
  /** Violating transitions divided by all transitions. */
  readonly violationTransitionRate: number;
  readonly successRate?: number;
}

export function summarize(episodes: readonly EpisodeSummary[]): RunSummary {
  const n = episodes.length;
  if (n === 0) throw new RangeError('summarize needs at least one episode');
  const mean = (f: (e: EpisodeSummary) => number) => episodes.reduce((s, e) => s + f(e), 0) / n;
  const meanReturn = mean((e) => e.return);
  const variance = n > 1 ? episodes.reduce((s, e) => s + (e.return - meanReturn) ** 2, 0) / (n - 1) : 0;
  const steps = episodes.reduce((s, e) => s + e.length, 0);
  const withSuccess = episodes.filter((e) => e.success !== undefined);
  return {
    episodes: n,
    meanReturn,
    stderrReturn: Math.sqrt(variance / n),
    meanLength: steps / n,
    violationEpisodeRate: mean((e) => (e.violations > 0 ? 1 : 0)),
    violationTransitionRate: episodes.reduce((s, e) => s + e.violations, 0) / steps,
    ...(withSuccess.length === n ? { successRate: mean((e) => (e.success ? 1 : 0)) } : {}),
  };
}
