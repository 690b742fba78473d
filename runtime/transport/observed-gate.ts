/**
 * A gate that reports each decision with the inputs it was given and how long it took: the hook a
 * transport offers to statistics, the transition log and online adaptation, so that none of them
 * needs to know how the transport moves inputs.
 */
import type { Decision, StampedVector, TickRecord } from '../core/decision.js';
import { monotonicClock } from './clock.js';
import type { Clock, Gate } from './ports.js';

export interface ObservedDecision {
  /** The `nowNs` the gate was asked with. */
  readonly nowNs: number;
  readonly observation: StampedVector | null;
  readonly proposed: StampedVector | null;
  readonly decision: Decision;
  /** From the call to the decision, on the latency clock (monotonic by default). */
  readonly latencyNs: number;
}

/**
 * Wraps `gate` so that `observer` sees every decision before the transport does. The vectors in
 * the report are the gate's own (an allocation-free shield reuses its buffers every tick): an
 * observer copies what it keeps, for instance with `tickRecord`. The observer must not throw: a
 * throw counts as a failed decision and no command is applied for that tick.
 */
export function observeGate(gate: Gate, observer: (o: ObservedDecision) => void, latencyClock: Clock = monotonicClock): Gate {
  return {
    decide(observation, proposed, nowNs) {
      const started = latencyClock.nowNs();
      const report = (decision: Decision): Decision => {
        observer({ nowNs, observation, proposed, decision, latencyNs: latencyClock.nowNs() - started });
        return decision;
      };
      const result = gate.decide(observation, proposed, nowNs);
      return isThenable(result) ? Promise.resolve(result).then(report) : report(result);
    },
  };
}

/** The transition-log record of an observed decision; its vectors are copies. An input never received is recorded as an empty vector. */
export function tickRecord(o: ObservedDecision): TickRecord {
  return {
    tNs: o.nowNs,
    observation: Float64Array.from(o.observation?.values ?? []),
    proposed: Float64Array.from(o.proposed?.values ?? []),
    applied: Float64Array.from(o.decision.action),
    risk: o.decision.risk,
    source: o.decision.source,
    reason: o.decision.reason,
  };
}

function isThenable(x: Decision | Promise<Decision>): x is Promise<Decision> {
  return typeof (x as { then?: unknown }).then === 'function';
}
