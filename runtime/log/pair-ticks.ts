import type { SkipCounts, Transition } from './pair-steps.js';

/** Two states further apart than this (ms) make no transition, unless configured otherwise. */
export const DEFAULT_MAX_GAP_MS = 250;

/** A shield tick as pairing sees it: the state decided in and the action taken there. */
export interface PairingTick {
  readonly tNs: number;
  /** The state's stamp: ticks with one stamp saw one state. Logs written before it was recorded have none: each tick is a state. */
  readonly stateStampNs: number | undefined;
  readonly obs: ArrayLike<number>;
  readonly action: ArrayLike<number>;
  /** The state's constraint flag (none reported counts as 0). */
  readonly constraint: 0 | 1 | undefined;
  /** The robot marked the state as the first of an episode. */
  readonly episodeStart: boolean;
}

const finite = (v: ArrayLike<number>) => Array.prototype.every.call(v, Number.isFinite);

/**
 * The shield's ticks turned into transitions (s, a, s', c), the same way online (adaptation) and
 * from logs (`adapt --from-log`): consecutive distinct states, told apart by their stamps, with the
 * last action applied in the first; none starts from a violating state (the episode ended there),
 * leads into a state marked `episode_start`, or spans more than `maxGapNs` of state time.
 */
export class TickPairer {
  readonly skipped: SkipCounts = { noObservation: 0, gap: 0, reset: 0, nonFinite: 0, afterViolation: 0, end: 0 };
  #states = 0;
  #lastStamp: number | null = null;
  #previous: { obs: Float64Array; action: Float64Array; stampNs: number; violated: boolean; usable: boolean } | null = null;

  constructor(
    readonly observationSize: number,
    readonly actionSize: number,
    readonly maxGapNs: number,
    readonly emit: (t: Transition) => void,
  ) {}

  /** Distinct states seen. */
  get states(): number {
    return this.#states;
  }

  push(tick: PairingTick): void {
    const stampNs = tick.stateStampNs ?? tick.tNs;
    const prev = this.#previous;
    const sized = tick.obs.length === this.observationSize && tick.action.length === this.actionSize;
    if (stampNs === this.#lastStamp) {
      // The same state decided again (commands outnumber states): its last action is the one taken.
      if (prev && sized) prev.action = Float64Array.from(tick.action);
      return;
    }
    this.#lastStamp = stampNs;
    this.#states += 1;
    const obs = Float64Array.from(tick.obs);
    const constraint = tick.constraint ?? 0;
    if (prev) {
      if (!prev.usable || !sized) this.skipped.noObservation++;
      else if (prev.violated) this.skipped.afterViolation++;
      else if (tick.episodeStart) this.skipped.reset++;
      else if (stampNs < prev.stampNs || stampNs - prev.stampNs > this.maxGapNs) this.skipped.gap++;
      else if (!finite(prev.obs) || !finite(prev.action) || !finite(obs)) this.skipped.nonFinite++;
      else this.emit({ obs: prev.obs, action: prev.action, nextObs: obs, constraint });
    }
    this.#previous = { obs, action: Float64Array.from(tick.action), stampNs, violated: constraint === 1, usable: sized };
  }

  /** The counts, with the last state (it has no successor) counted as `end`. */
  finish(): SkipCounts {
    return { ...this.skipped, end: this.#states > 0 ? 1 : 0 };
  }
}
