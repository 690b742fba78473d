import type { DomainId, Env, EnvParams, StepResult } from './core/env.js';
import { Rng } from './core/rng.js';
import { getDomain } from './domains.js';
import { randomPolicy } from './rollout.js';

/** A time-stamped vector, as the loop hands state and proposal to a gate. */
export interface LoopInput {
  readonly values: ArrayLike<number>;
  /** Nanoseconds of simulated time. */
  readonly stampNs: number;
  /** For a state: whether it violates the constraint, and whether it is the first of an episode. */
  readonly constraint?: 0 | 1;
  readonly episodeStart?: boolean;
}

/** What the loop reads from a gate's answer (the runtime's Decision has these fields and more). */
export interface GateAnswer {
  readonly action: ArrayLike<number>;
  readonly source: 'task' | 'recovery' | 'fallback';
}

/**
 * Anything that gates a proposal: the runtime's Shield, or a transport in front of one. Declared
 * here structurally, because the simulator knows nothing of shields (DESIGN.md).
 */
export interface LoopGate {
  decide(observation: LoopInput, proposed: LoopInput, nowNs: number): GateAnswer | Promise<GateAnswer>;
}

export interface SimLoopEpisode {
  readonly episode: number;
  readonly return: number;
  readonly length: number;
  /** The episode ended in a violation (episodes end at the first one, as online). */
  readonly violation: boolean;
  /** Ticks on which the recovery policy replaced the controller's proposal. */
  readonly interventions: number;
  readonly fallbacks: number;
  /** Domain-defined task success of the final step, where the domain has one (navigation: ended within 4 of the goal). */
  readonly success?: boolean;
}

/** One tick, as `onStep` sees it. */
export interface SimLoopStep {
  /** Episode number, from 1. */
  readonly episode: number;
  /** The state the controller and the gate saw. */
  readonly observation: Float64Array;
  readonly proposal: ArrayLike<number>;
  /** The action the simulator applied, and who produced it (null: no gate). */
  readonly action: Float64Array;
  readonly source: GateAnswer['source'] | null;
  readonly result: StepResult;
}

export interface SimLoopSummary {
  readonly episodes: number;
  readonly violations: number;
  readonly meanReturn: number;
  readonly stderrReturn: number;
  readonly interventionRate: number;
  readonly fallbackRate: number;
}

export interface SimLoopOptions {
  readonly domain: DomainId;
  /** The environment to run (default: the test environment of the distribution drawn with `seed`). */
  readonly params?: EnvParams;
  readonly episodes: number;
  readonly seed: number;
  /** The task controller whose proposals are gated (default: uniformly random actions). */
  readonly controller?: (observation: Float64Array) => ArrayLike<number>;
  /** null runs the controller unshielded, for comparison. */
  readonly gate: LoopGate | null;
  readonly onEpisode?: (e: SimLoopEpisode) => void;
  readonly onStep?: (s: SimLoopStep) => void;
}

/**
 * Simulation in the loop: the simulator produces the state, the task controller proposes, the
 * gate decides, and the simulator applies the decided action. The clock is the simulated time,
 * so inputs are always fresh and results do not depend on the host's speed.
 */
export async function runSimLoop(options: SimLoopOptions): Promise<{ episodes: SimLoopEpisode[]; summary: SimLoopSummary }> {
  const domain = getDomain(options.domain);
  const rng = new Rng(options.seed);
  const params = options.params ?? domain.sampleEnvironments(rng.fork('environments')).test;
  const env: Env = await domain.make(params);
  const controller = options.controller ?? randomPolicy(env.actionSpace, rng.fork('controller'));
  const seeds = rng.fork('episodes');
  const episodes: SimLoopEpisode[] = [];
  const stepNs = 1e6;
  let nowNs = 0;
  try {
    for (let e = 0; e < options.episodes; e++) {
      let obs = env.reset(seeds.nextUint32() & 0x7fffffff);
      let ret = 0;
      let interventions = 0;
      let fallbacks = 0;
      let constraint: 0 | 1 = 0;
      for (let step = 0; ; step++) {
        nowNs += stepNs;
        const proposal = controller(obs);
        let action = Float64Array.from(proposal);
        let source: GateAnswer['source'] | null = null;
        if (options.gate) {
          const d = await options.gate.decide({ values: obs, stampNs: nowNs, constraint, episodeStart: step === 0 }, { values: proposal, stampNs: nowNs }, nowNs);
          action = Float64Array.from(d.action);
          source = d.source;
          if (d.source === 'recovery') interventions += 1;
          if (d.source === 'fallback') fallbacks += 1;
        }
        const r = env.step(action);
        options.onStep?.({ episode: e + 1, observation: obs, proposal, action, source, result: r });
        ret += r.reward;
        obs = r.observation;
        constraint = r.constraint;
        if (r.done || r.truncated) {
          const summary: SimLoopEpisode = {
            episode: e + 1,
            return: ret,
            length: r.info.step,
            violation: r.constraint === 1,
            interventions,
            fallbacks,
            ...(r.info.success === undefined ? {} : { success: r.info.success }),
          };
          episodes.push(summary);
          options.onEpisode?.(summary);
          break;
        }
      }
    }
  } finally {
    env.close();
  }
  const n = episodes.length;
  const mean = episodes.reduce((s, e) => s + e.return, 0) / n;
  const variance = n > 1 ? episodes.reduce((s, e) => s + (e.return - mean) ** 2, 0) / (n - 1) : 0;
  const steps = episodes.reduce((s, e) => s + e.length, 0);
  return {
    episodes,
    summary: {
      episodes: n,
      violations: episodes.filter((e) => e.violation).length,
      meanReturn: mean,
      stderrReturn: Math.sqrt(variance / n),
      interventionRate: episodes.reduce((s, e) => s + e.interventions, 0) / steps,
      fallbackRate: episodes.reduce((s, e) => s + e.fallbacks, 0) / steps,
    },
  };
}
