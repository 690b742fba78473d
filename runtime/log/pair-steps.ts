/** One aligned step of a recording: an action and the observation it was taken in. */
export interface Step {
  /** Nanoseconds; only differences matter. */
  readonly t: number;
  /** Null when no usable observation goes with the action (none recent enough, or the wrong size). */
  readonly obs: Float64Array | null;
  readonly action: Float64Array;
}

export interface Transition {
  readonly obs: Float64Array;
  readonly action: Float64Array;
  readonly nextObs: Float64Array;
  readonly constraint: 0 | 1;
}

/** Why steps made no transition; `end` is the last step, which has no successor. */
export interface SkipCounts {
  noObservation: number;
  gap: number;
  reset: number;
  nonFinite: number;
  /** From a state that violated the constraint: the episode ended there (shield logs). */
  afterViolation: number;
  end: number;
}

export interface PairingRules {
  readonly maxGapNs: number;
  /** Sorted times of episode resets: no transition spans one. */
  readonly resets: readonly number[];
  /** The constraint flag of the transition from step k to step k + 1. */
  readonly constraint: (k: number) => 0 | 1;
}

const finite = (v: Float64Array) => v.every(Number.isFinite);

/**
 * Turns consecutive steps into transitions (obs_k, action_k, obs_k+1): a pair becomes one when both
 * steps have an observation, they are at most `maxGapNs` apart (and in order), no reset lies in
 * (t_k, t_k+1], and every value is finite.
 */
export function pairSteps(steps: readonly Step[], rules: PairingRules, emit: (t: Transition) => void): SkipCounts {
  const skipped: SkipCounts = { noObservation: 0, gap: 0, reset: 0, nonFinite: 0, afterViolation: 0, end: steps.length > 0 ? 1 : 0 };
  let r = 0;
  for (let k = 0; k + 1 < steps.length; k++) {
    const a = steps[k];
    const b = steps[k + 1];
    while (r < rules.resets.length && rules.resets[r] <= a.t) r++;
    if (!a.obs || !b.obs) skipped.noObservation++;
    else if (b.t < a.t || b.t - a.t > rules.maxGapNs) skipped.gap++;
    else if (r < rules.resets.length && rules.resets[r] <= b.t) skipped.reset++;
    else if (!finite(a.obs) || !finite(a.action) || !finite(b.obs)) skipped.nonFinite++;
    else emit({ obs: a.obs, action: a.action, nextObs: b.obs, constraint: rules.constraint(k) });
  }
  return skipped;
}
