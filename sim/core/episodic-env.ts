import type { DomainId, Env, EnvOptions, EnvParams, StepResult } from './env.js';
import { SimInputError } from './errors.js';
import { Rng } from './rng.js';
import { checkAction, type Box } from './space.js';

/** What one domain computes for a step; the episode bookkeeping around it is shared. */
export interface Transition {
  readonly observation: Float64Array;
  readonly reward: number;
  readonly constraint: 0 | 1;
  /** The environment ends the episode for a reason other than a violation (e.g. goal reached). */
  readonly goalReached: boolean;
  readonly appliedAction: Float64Array;
  readonly success?: boolean;
}

/**
 * Episode bookkeeping shared by every domain: input validation, step counting, termination on
 * violation, truncation at the horizon, and refusing to step outside an episode.
 */
export abstract class EpisodicEnv implements Env {
  protected rng: Rng;
  readonly #endOnViolation: boolean;
  #t = 0;
  #running = false;

  protected constructor(
    readonly domain: DomainId,
    readonly params: EnvParams,
    readonly observationSpace: Box,
    readonly actionSpace: Box,
    readonly horizon: number,
    options: EnvOptions,
  ) {
    this.rng = new Rng(options.seed ?? 0);
    this.#endOnViolation = options.endOnViolation ?? true;
  }

  /** Draws the start state and returns its observation. */
  protected abstract startEpisode(): Float64Array;
  /** Applies a validated action. */
  protected abstract transition(action: ArrayLike<number>): Transition;

  reset(seed?: number): Float64Array {
    if (seed !== undefined) {
      if (!Number.isInteger(seed)) throw new SimInputError(`${this.domain}: reset seed must be an integer, got ${seed}`);
      this.rng = new Rng(seed);
    }
    this.#t = 0;
    this.#running = true;
    return this.startEpisode();
  }

  step(action: ArrayLike<number>): StepResult {
    if (!this.#running) {
      throw new SimInputError(
        this.#t === 0 ? `${this.domain}: step() called before reset()` : `${this.domain}: the episode is over; call reset() first`,
      );
    }
    checkAction(this.actionSpace, action, this.domain);
    const tr = this.transition(action);
    this.#t += 1;
    const done = tr.goalReached || (this.#endOnViolation && tr.constraint === 1);
    const truncated = !done && this.#t >= this.horizon;
    if (done || truncated) this.#running = false;
    return {
      observation: tr.observation,
      reward: tr.reward,
      constraint: tr.constraint,
      done,
      truncated,
      info: { appliedAction: tr.appliedAction, step: this.#t, ...(tr.success === undefined ? {} : { success: tr.success }) },
    };
  }

  close(): void {
    this.#running = false;
  }
}
