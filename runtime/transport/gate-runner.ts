/**
 * The part every transport shares: the latest input of each kind, the calls to the gate, and the
 * counters and status derived from its decisions. A transport only moves bytes in and out.
 */
import type { Decision, StampedVector } from '../core/decision.js';
import type { DecodeResult } from './payload.js';
import type { Clock, Gate, ShieldStatus, TransportStats } from './ports.js';
import type { RateLimitedLog } from './rate-limited-log.js';

export type InputKind = 'state' | 'proposed';

export interface GateRunnerOptions {
  readonly gate: Gate;
  readonly clock: Clock;
  readonly log: RateLimitedLog;
  /** Receives each decision and the stamp of the command it answers. */
  readonly deliver: (decision: Decision, stampNs: number) => void;
  /** Receives the status whenever the decision's source or reason changes. */
  readonly statusChanged: (status: ShieldStatus) => void;
}

const EMPTY = new Float64Array(0);

type MutableStats = { -readonly [K in keyof TransportStats]: TransportStats[K] };

export class GateRunner {
  readonly #o: GateRunnerOptions;
  #state: StampedVector | null = null;
  #proposed: StampedVector | null = null;
  // Copied out of the last decision: an allocation-free shield may hand back the same object every tick.
  #last: Pick<Decision, 'source' | 'reason' | 'risk' | 'threshold'> | null = null;
  #inFlight = false;
  #again = false;
  readonly #stats: MutableStats = {
    ticks: 0,
    interventions: 0,
    fallbacks: 0,
    invalidState: 0,
    invalidProposed: 0,
    gateErrors: 0,
    superseded: 0,
    droppedOffline: 0,
  };

  constructor(options: GateRunnerOptions) {
    this.#o = options;
  }

  get stats(): TransportStats {
    return { ...this.#stats };
  }

  /**
   * Takes a decoded payload as the latest input of its kind. A refused payload replaces the
   * previous input too: the robot's newest word is that it has nothing valid to say.
   */
  accept(kind: InputKind, input: DecodeResult, detail?: object): void {
    const now = this.#o.clock.nowNs();
    let slot: StampedVector;
    if (input.ok) {
      const m = input.message;
      slot = {
        values: m.values,
        stampNs: m.stampNs ?? now,
        ...(m.constraint === undefined ? {} : { constraint: m.constraint }),
        ...(m.episodeStart ? { episodeStart: true } : {}),
      };
    } else {
      slot = { values: EMPTY, stampNs: now };
      if (kind === 'state') this.#stats.invalidState++;
      else this.#stats.invalidProposed++;
      this.#o.log.write('warn', `invalid-${kind}`, { input: kind, error: input.error, ...detail }, `refused a ${kind} payload; the gate sees an invalid ${kind}`);
    }
    if (kind === 'state') this.#state = slot;
    else this.#proposed = slot;
  }

  /** Asks the gate with the latest inputs; while an asynchronous decision is in flight, only the newest request is kept. */
  tick(): void {
    if (this.#inFlight) {
      if (this.#again) this.#stats.superseded++;
      this.#again = true;
      return;
    }
    this.#run();
  }

  countDroppedOffline(): void {
    this.#stats.droppedOffline++;
  }

  status(online: boolean): ShieldStatus {
    const d = this.#last;
    const s = this.#stats;
    return {
      online,
      source: d?.source ?? null,
      risk: d?.risk ?? null,
      threshold: d?.threshold ?? null,
      reason: d?.reason ?? null,
      ticks: s.ticks,
      interventions: s.interventions,
      fallbacks: s.fallbacks,
      invalidInputs: s.invalidState + s.invalidProposed,
      gateErrors: s.gateErrors,
      stampNs: this.#o.clock.nowNs(),
    };
  }

  #run(): void {
    const stampNs = this.#proposed?.stampNs ?? this.#o.clock.nowNs();
    let result: Decision | Promise<Decision>;
    try {
      result = this.#o.gate.decide(this.#state, this.#proposed, this.#o.clock.nowNs());
    } catch (e) {
      this.#gateFailed(e);
      return;
    }
    if (!isPromiseLike(result)) {
      this.#finish(result, stampNs);
      return;
    }
    this.#inFlight = true;
    result.then(
      (d) => this.#afterAsync(d, stampNs),
      (e: unknown) => this.#afterAsync(e, stampNs, true),
    );
  }

  #afterAsync(outcome: unknown, stampNs: number, failed = false): void {
    this.#inFlight = false;
    if (failed) this.#gateFailed(outcome);
    else this.#finish(outcome as Decision, stampNs);
    if (this.#again) {
      this.#again = false;
      this.#run();
    }
  }

  #finish(d: Decision, stampNs: number): void {
    const s = this.#stats;
    s.ticks++;
    if (d.source === 'recovery') s.interventions++;
    else if (d.source === 'fallback') s.fallbacks++;
    const previous = this.#last;
    this.#last = { source: d.source, reason: d.reason, risk: d.risk, threshold: d.threshold };
    if (previous === null || previous.source !== d.source || previous.reason !== d.reason) this.#o.statusChanged(this.status(true));
    try {
      this.#o.deliver(d, stampNs);
    } catch (e) {
      this.#gateFailed(e);
    }
  }

  #gateFailed(e: unknown): void {
    this.#stats.gateErrors++;
    this.#o.log.write('error', 'gate-error', { error: e instanceof Error ? e.message : String(e) }, 'the gate failed or returned an action that cannot be sent; no command applied this tick');
  }
}

function isPromiseLike<T>(x: T | Promise<T>): x is Promise<T> {
  return typeof (x as { then?: unknown } | null)?.then === 'function';
}
