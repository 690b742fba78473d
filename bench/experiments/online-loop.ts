/**
 * Phase 3 (spec 6.2): a SAC task policy learning online in the test environment, gated by the
 * runtime `Shield`, with the risk critic and recovery policy updated online. Per environment step:
 *   1. one SAC update once the task replay holds more than a batch; then, for the safe methods,
 *      one critic + recovery update on a batch of the risk buffer (D_test + online data) once it
 *      holds more than a batch, with a' from the current task policy;
 *   2. the proposal a_task: uniformly random for the first `startSteps` steps, else a sample of pi;
 *   3. the gate: Shield.decide(s, a_task) -> a_exec (the recovery policy's when Q_risk > eps);
 *   4. an environment step with a_exec; mask = 1 - done (the horizon keeps mask 1);
 *   5. (s, a_task, r, s', mask) into the task replay: the proposal, even when recovery acted;
 *   6. (s, a_exec, c, s', done) into the episode's list, pushed into the risk buffer at its end.
 * Unconstrained skips the safety parts: no gate, no risk updates.
 */
import * as tf from '@tensorflow/tfjs';
import { sampleBox, type Env, type Rng } from '../../sim/index.js';
import type { Shield } from '../../runtime/index.js';
import type { TransitionColumns } from '../../training/batch.js';
import type { ReplayBuffer } from '../../training/data/index.js';
import type { NextActionFn } from '../../training/models.js';
import type { RiskLearner } from '../../training/risk-learner.js';
import type { Sac, TaskReplay } from '../../training/sac.js';

/** The random streams of a run, each checkpointed. */
export interface RunStreams {
  /** Proposals (random start steps and samples of pi). */
  readonly act: Rng;
  /** SAC batches. */
  readonly replay: Rng;
  /** SAC update noise. */
  readonly update: Rng;
  /** Risk batches and the noise of their a' and recovery samples. */
  readonly risk: Rng;
  /** The recovery policy's noise when it acts. */
  readonly gate: Rng;
  /** Episode seeds of the environment. */
  readonly episodes: Rng;
}

export const STREAM_NAMES = ['act', 'replay', 'update', 'risk', 'gate', 'episodes'] as const;

export interface SafetyParts {
  readonly learner: RiskLearner;
  readonly shield: Shield;
  /** D_test followed by the online transitions, in the order they arrived (a checkpoint stores the latter). */
  readonly buffer: ReplayBuffer;
  /** Where the online transitions start in `buffer`: D_test's size. */
  readonly onlineFrom: number;
  /** Share of violating transitions per risk batch (HalfCheetah 0.3), or null for uniform batches. */
  readonly posFraction: number | null;
  /** The gate's threshold: the shield replaces a proposal whose risk is above it. */
  readonly epsRisk: number;
}

export interface Counters {
  episodes: number;
  steps: number;
  sacUpdates: number;
  riskUpdates: number;
}

export interface OnlineEpisode {
  /** From 1. */
  readonly episode: number;
  readonly return: number;
  /** The episode ended in a violation (episodes end at the first one). */
  readonly violation: boolean;
  readonly length: number;
  /** Ticks on which the recovery policy replaced the proposal, and fallbacks of the shield. */
  readonly interventions: number;
  readonly fallbacks: number;
  /** Navigation's task success (final step within 4 of the goal); absent elsewhere. */
  readonly success?: boolean;
  /**
   * Share of the risk buffer's violating transitions (D_test's and those met online) that the
   * critic flags after this episode (Q_risk > eps_risk); null without a safety critic or violations.
   */
  readonly violationRecall: number | null;
  /** Environment steps and updates of the run so far, this episode included. */
  readonly totalSteps: number;
  readonly sacUpdates: number;
  readonly riskUpdates: number;
}

export interface OnlineLoop {
  readonly env: Env;
  readonly sac: Sac;
  readonly replay: TaskReplay;
  readonly safety: SafetyParts | null;
  readonly streams: RunStreams;
  readonly counters: Counters;
  readonly startSteps: number;
  readonly batchSize: number;
}

/** a' ~ pi_task(. | s') from the current task policy, for the risk targets. */
function taskPolicyNextAction(sac: Sac): NextActionFn {
  return (nextObs, rng) => sac.actor.sample(sac.actorVars, nextObs, rng).action;
}

/** The risk update's batch, or null while the buffer cannot give one. */
export function riskBatch(safety: Pick<SafetyParts, 'buffer' | 'posFraction'>, rng: Rng, batchSize: number): TransitionColumns | null {
  const { buffer, posFraction } = safety;
  if (buffer.size <= batchSize) return null;
  if (posFraction === null) return buffer.sample(rng, batchSize);
  // Balanced batches need enough violations (the reference guards the same way, spec 6.2 step 1),
  // and enough safe transitions: early on a robot that keeps crashing can have too few.
  const violating = Math.floor(posFraction * batchSize);
  if (buffer.violations < violating || buffer.size - buffer.violations < batchSize - violating) return null;
  return buffer.sampleBalanced(rng, batchSize, posFraction);
}

/**
 * Whether the critic still knows the accidents it has seen: the share of the buffer's violating
 * transitions it flags. A critic that drifts towards "safe everywhere" on a buffer of mostly safe
 * transitions shows here before its misses show as violations.
 */
export function violationRecall(safety: Pick<SafetyParts, 'learner' | 'buffer' | 'epsRisk'>): number | null {
  const { learner, buffer, epsRisk } = safety;
  if (buffer.violations === 0) return null;
  const v = buffer.violating();
  const risk = tf.tidy(() => learner.critic.risk(learner.criticVars, tf.tensor2d(v.obs, [v.size, v.observationSize]), tf.tensor2d(v.action, [v.size, v.actionSize])));
  const values = risk.dataSync();
  risk.dispose();
  let flagged = 0;
  for (const r of values) if (r > epsRisk) flagged += 1;
  return flagged / v.size;
}

/** Runs one episode of phase 3 and returns its record. */
export async function runEpisode(loop: OnlineLoop): Promise<OnlineEpisode> {
  const { env, sac, replay, safety, streams, counters, batchSize } = loop;
  const nextAction = taskPolicyNextAction(sac);
  const episodeList: { obs: Float64Array; action: Float64Array; nextObs: Float64Array; constraint: 0 | 1; done: boolean }[] = [];
  let obs = env.reset(streams.episodes.nextUint32() & 0x7fffffff);
  let ret = 0;
  let interventions = 0;
  let fallbacks = 0;
  for (;;) {
    if (replay.size > batchSize) {
      sac.update(replay.sample(streams.replay, batchSize), streams.update);
      counters.sacUpdates += 1;
    }
    if (safety) {
      const batch = riskBatch(safety, streams.risk, batchSize);
      if (batch) {
        safety.learner.update(batch, nextAction, streams.risk);
        counters.riskUpdates += 1;
      }
    }
    const proposal = counters.steps < loop.startSteps ? sampleBox(env.actionSpace, streams.act) : sac.act(obs, streams.act);
    let action = proposal;
    if (safety) {
      // Simulated time: one millisecond per tick, so inputs are always fresh.
      const nowNs = (counters.steps + 1) * 1e6;
      const d = await safety.shield.decide({ values: obs, stampNs: nowNs }, { values: proposal, stampNs: nowNs }, nowNs);
      action = Float64Array.from(d.action);
      if (d.source === 'recovery') interventions += 1;
      if (d.source === 'fallback') fallbacks += 1;
    }
    const r = env.step(action);
    counters.steps += 1;
    replay.push(obs, proposal, r.reward, r.observation, r.done ? 0 : 1);
    if (safety) episodeList.push({ obs, action, nextObs: r.observation, constraint: r.constraint, done: r.done });
    ret += r.reward;
    obs = r.observation;
    if (r.done || r.truncated) {
      if (safety) {
        for (const t of episodeList) {
          // The risk buffer carries no reward (the critic learns only from c and done).
          safety.buffer.push({ obs: t.obs, action: t.action, reward: 0, nextObs: t.nextObs, constraint: t.constraint, done: t.done });
        }
      }
      counters.episodes += 1;
      return {
        episode: counters.episodes,
        return: ret,
        violation: r.constraint === 1,
        length: r.info.step,
        interventions,
        fallbacks,
        ...(r.info.success === undefined ? {} : { success: r.info.success }),
        violationRecall: safety ? violationRecall(safety) : null,
        totalSteps: counters.steps,
        sacUpdates: counters.sacUpdates,
        riskUpdates: counters.riskUpdates,
      };
    }
  }
}
