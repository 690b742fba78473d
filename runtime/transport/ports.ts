/**
 * The ports a transport is built from (DESIGN.md: tiny I/O ports keep the core platform-free).
 * A transport takes the robot's state and the controller's proposed command from somewhere,
 * asks a `Gate` (the shield) what to apply, and delivers the answer; it never gates by itself.
 */
import type { Decision, DecisionReason, DecisionSource, StampedVector } from '../core/decision.js';

/**
 * What a transport asks every tick. `Shield` satisfies it; tests and benchmarks use stand-ins.
 * A transport passes `null` for an input it has never received and an empty vector stamped with
 * its arrival time for one whose last payload could not be decoded, so that the shield's size
 * check reports it as invalid rather than missing.
 */
export interface Gate {
  decide(observation: StampedVector | null, proposed: StampedVector | null, nowNs: number): Decision | Promise<Decision>;
}

/** Monotonic time in nanoseconds; the same clock stamps inputs and is passed to the gate as `nowNs`. */
export interface Clock {
  nowNs(): number;
}

/** The log calls a transport makes; a pino logger fits. */
export interface TransportLog {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** What a transport is given besides its options. */
export interface TransportDeps {
  /** Stamps inputs that carry no stamp and gives the gate its `nowNs`; monotonic by default. */
  readonly clock?: Clock;
  readonly log?: TransportLog;
  /** Jitter of reconnection delays, in [0, 1). */
  readonly random?: () => number;
}

/** When the gate is asked: on every proposed command, or at a fixed rate with the latest inputs. */
export type TickMode = { readonly mode: 'on-command' } | { readonly mode: 'rate'; readonly hz: number };

/** What a robot may report with a state; the transition log and online adaptation use it. */
export interface StateReport {
  readonly constraint?: 0 | 1;
  readonly episodeStart?: boolean;
}

/** An applied command as a controller or robot receives it from a transport. */
export interface AppliedMessage {
  readonly values: Float64Array;
  /** The stamp of the proposed command it answers (the decision time when there was none). */
  readonly stampNs: number;
  readonly source: DecisionSource;
  /** Present where the payload format carries them (JSON and in-process; the binary layout carries only the source). */
  readonly risk?: number | null;
  readonly reason?: string;
  readonly threshold?: number;
}

/** What the shield side of a transport publishes (retained on MQTT): on change of source or reason, and periodically. */
export interface ShieldStatus {
  /** False in the status a transport leaves behind when it stops or loses its connection. */
  readonly online: boolean;
  /** Null until the first decision. */
  readonly source: DecisionSource | null;
  readonly risk: number | null;
  readonly threshold: number | null;
  readonly reason: DecisionReason | null;
  readonly ticks: number;
  readonly interventions: number;
  readonly fallbacks: number;
  readonly invalidInputs: number;
  readonly gateErrors: number;
  readonly stampNs: number;
}

/** Counters of the shield side of a transport. */
export interface TransportStats {
  /** Gate decisions made. */
  readonly ticks: number;
  /** Decisions whose source was the recovery policy. */
  readonly interventions: number;
  readonly fallbacks: number;
  /** Payloads that could not be decoded or validated, per input. */
  readonly invalidState: number;
  readonly invalidProposed: number;
  /** Calls to the gate that threw or rejected: no command was applied for them. */
  readonly gateErrors: number;
  /** Ticks skipped because a newer one was requested while an asynchronous decision was in flight. */
  readonly superseded: number;
  /** Applied commands not sent because the transport was disconnected. */
  readonly droppedOffline: number;
}

/** The shield side of a transport. */
export interface ShieldTransport {
  /** Resolves once inputs can flow (on MQTT: connected and subscribed). */
  start(): Promise<void>;
  /** Stops ticking, leaves an offline status behind and releases the connection. */
  stop(): Promise<void>;
  readonly stats: TransportStats;
  status(): ShieldStatus;
}

/** The robot or controller side of a transport: what a simulator, a bridge or a test talks to. */
export interface RobotLink {
  /**
   * Sends the robot's state; `stampNs` defaults to the arrival time on the shield's clock. `report`
   * is what the robot knows of the state (constraint violated, first state after a reset).
   */
  sendState(values: ArrayLike<number>, stampNs?: number, report?: StateReport): void;
  /** Sends the controller's proposed command. */
  sendProposed(values: ArrayLike<number>, stampNs?: number): void;
  /** Returns a function that removes the listener. */
  onApplied(listener: (applied: AppliedMessage) => void): () => void;
  onStatus(listener: (status: ShieldStatus) => void): () => void;
  close(): Promise<void>;
}
