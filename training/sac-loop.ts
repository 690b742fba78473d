/**
 * The SAC training loop (spec 6.2 without the safety parts, which enter through `execute`). Per step:
 *   1. one update once the replay holds more than a batch;
 *   2. a proposal: uniformly random for the first `startSteps` steps, else a sample of pi;
 *   3. the executed action: the proposal, or what `execute` makes of it (a shield's gate);
 *   4. an environment step; mask = 1 - done, so reaching the horizon keeps mask = 1;
 *   5. (s, proposal, r, s', mask) into the replay: the proposal even when another action ran
 *      (the reference's action relabeling).
 * Episodes end on done or truncation; whether a violation is `done` is the environment's
 * `endOnViolation` (false for dataset collection, true online).
 */
import { sampleBox, type EpisodeSummary, type Env, type Rng, type StepResult } from '../sim/index.js';
import { Sac, TaskReplay, type SacConfig, type SacLosses } from './sac.js';

/** What the loop needs of an environment (any `Env`; tests use small ones of their own). */
export type SacEnv = Pick<Env, 'observationSpace' | 'actionSpace' | 'reset' | 'step'>;

export interface SacRunConfig extends SacConfig {
  /** Episodes to run (the budget). */
  readonly episodes: number;
}

export interface SacTransition {
  /** Index of the episode in the run, from 0. */
  readonly episode: number;
  /** Environment steps in the run so far, this one included. */
  readonly step: number;
  readonly obs: Float64Array;
  /** The task policy's proposal, the action the replay stores. */
  readonly proposal: Float64Array;
  /** The action sent to the environment (the proposal unless `execute` replaced it). */
  readonly action: ArrayLike<number>;
  readonly result: StepResult;
}

export interface SacEpisode extends EpisodeSummary {
  readonly index: number;
  /** Environment steps and updates in the run so far. */
  readonly steps: number;
  readonly updates: number;
}

/** Returning 'stop' from a hook ends the run after the current step (the episode is still reported). */
export interface SacHooks {
  /** Maps the proposal to the action to execute, e.g. a safety shield; the replay keeps the proposal. */
  readonly execute?: (obs: Float64Array, proposal: Float64Array) => ArrayLike<number>;
  readonly onTransition?: (t: SacTransition) => void | 'stop';
  readonly onEpisode?: (e: SacEpisode) => void | 'stop';
  readonly onUpdate?: (losses: SacLosses, updates: number) => void;
}

export interface SacRun {
  /** The trained agent; the caller disposes it. */
  readonly agent: Sac;
  readonly replay: TaskReplay;
  readonly episodes: readonly SacEpisode[];
  readonly steps: number;
  readonly updates: number;
}

/**
 * Trains a fresh agent on `env`. `rng` is split into independent streams (network init, actions,
 * replay sampling, update noise, episode seeds), so one seed fixes every number of the run.
 */
export function runSac(env: SacEnv, config: SacRunConfig, rng: Rng, hooks: SacHooks = {}): SacRun {
  const agent = new Sac(env.observationSpace.size, env.actionSpace, config, rng.fork('init'));
  const replay = new TaskReplay(env.observationSpace.size, env.actionSpace.size, config.replayCapacity);
  const [actRng, replayRng, updateRng, seedRng] = ['act', 'replay', 'update', 'episode-seeds'].map((s) => rng.fork(s));
  const episodes: SacEpisode[] = [];
  let steps = 0;
  let updates = 0;
  let stop = false;
  while (episodes.length < config.episodes && !stop) {
    let obs = env.reset(seedRng.nextUint32() & 0x7fffffff);
    let ret = 0;
    let violations = 0;
    for (;;) {
      if (replay.size > config.batchSize) {
        const losses = agent.update(replay.sample(replayRng, config.batchSize), updateRng);
        updates += 1;
        hooks.onUpdate?.(losses, updates);
      }
      const proposal = steps < config.startSteps ? sampleBox(env.actionSpace, actRng) : agent.act(obs, actRng);
      const action = hooks.execute ? hooks.execute(obs, proposal) : proposal;
      const result = env.step(action);
      steps += 1;
      replay.push(obs, proposal, result.reward, result.observation, result.done ? 0 : 1);
      ret += result.reward;
      violations += result.constraint;
      if (hooks.onTransition?.({ episode: episodes.length, step: steps, obs, proposal, action, result }) === 'stop') stop = true;
      obs = result.observation;
      if (stop || result.done || result.truncated) {
        const episode: SacEpisode = {
          index: episodes.length,
          return: ret,
          length: result.info.step,
          violations,
          endedByViolation: result.done && result.constraint === 1,
          ...(result.info.success === undefined ? {} : { success: result.info.success }),
          steps,
          updates,
        };
        episodes.push(episode);
        if (hooks.onEpisode?.(episode) === 'stop') stop = true;
        break;
      }
    }
  }
  return { agent, replay, episodes, steps, updates };
}
