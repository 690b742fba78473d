/**
 * The shield's contract (DESIGN.md, "core contract"): every transport calls `Shield.decide` with
 * the latest observation, the controller's proposed action and the current time, and applies the
 * returned action. Nothing else gates commands.
 */

/** Who produced the applied action. */
export type DecisionSource = 'task' | 'recovery' | 'fallback';

/**
 * What the shield does when it cannot evaluate the risk: `recovery` (default) applies the
 * recovery policy's action when it can be computed, else `hold`; `hold` applies the bundle's
 * neutral action; `passthrough` lets the proposed action through (only when configured).
 */
export type FallbackMode = 'recovery' | 'hold' | 'passthrough';

/** Why the shield decided as it did; stable strings for logs, status topics and tests. */
export type DecisionReason =
  /** Q_risk(s, a_task) <= eps: the proposal passes. */
  | 'risk-acceptable'
  /** Q_risk(s, a_task) > eps: the recovery policy acts. */
  | 'risk-too-high'
  /** Inside the hysteresis band or tick count, the previous source is kept. */
  | 'hysteresis'
  /** An operator override (expiring) bypasses the shield. */
  | 'shield-bypassed'
  | 'state-missing'
  | 'state-stale'
  | 'state-invalid'
  | 'command-missing'
  | 'command-stale'
  | 'command-invalid'
  | 'model-not-loaded'
  | 'inference-error'
  /** The critic returned a non-finite or out-of-range value. */
  | 'risk-invalid';

export interface Decision {
  /** The action to apply, clipped to the bundle's action bounds. */
  readonly action: Float64Array;
  readonly source: DecisionSource;
  /** Q_risk(s, a_task) when it was evaluated, else null. */
  readonly risk: number | null;
  readonly reason: DecisionReason;
  /** The threshold in force for this decision. */
  readonly threshold: number;
}

/** A vector input with the time it describes: the message stamp when there is one, else its arrival time. */
export interface StampedVector {
  readonly values: ArrayLike<number>;
  /** Nanoseconds on the clock that `nowNs` uses. */
  readonly stampNs: number;
  /** A state may carry the robot's report on it; the gate ignores both, the transition log and online adaptation use them. */
  readonly constraint?: 0 | 1;
  /** The state follows a reset rather than the last applied command. */
  readonly episodeStart?: boolean;
}

/** One control tick as recorded in the transition log. */
export interface TickRecord {
  readonly tNs: number;
  readonly observation: Float64Array;
  readonly proposed: Float64Array;
  readonly applied: Float64Array;
  readonly risk: number | null;
  readonly source: DecisionSource;
  readonly reason: DecisionReason;
  /** The constraint flag of the state reached, when the robot reports it. */
  readonly constraint?: 0 | 1;
  /** The stamp of the observation: ticks with one stamp decided in one state (absent in logs before it was recorded, or without a state). */
  readonly stateStampNs?: number;
  /** The robot marked the observation as the first of an episode. */
  readonly episodeStart?: boolean;
}

/** A tick as handed to the transition log, which encodes it at once: any array-like vectors, no copies needed. */
export type TickInput = Omit<TickRecord, 'observation' | 'proposed' | 'applied'> & {
  readonly observation: ArrayLike<number>;
  readonly proposed: ArrayLike<number>;
  readonly applied: ArrayLike<number>;
};
