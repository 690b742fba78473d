/**
 * Stand-in gates for transport tests (the real `Shield` is tested elsewhere): a fixed-threshold
 * rule and a recorder of what the gate was given.
 */
import type { Decision, DecisionReason, DecisionSource, StampedVector } from '../../runtime/core/decision.js';
import type { Gate } from '../../runtime/transport/index.js';

export interface ThresholdGateOptions {
  readonly observationSize: number;
  readonly actionSize: number;
  /** Risk is the largest absolute entry of the proposed action. */
  readonly threshold: number;
}

/**
 * Passes a proposal whose largest |entry| is at most the threshold; otherwise the "recovery"
 * scales it back onto the threshold. Missing or invalid inputs get the neutral (zero) action.
 */
export function thresholdGate(o: ThresholdGateOptions): Gate {
  const neutral = new Float64Array(o.actionSize);
  const decision = (action: Float64Array, source: DecisionSource, reason: DecisionReason, risk: number | null): Decision => ({ action, source, reason, risk, threshold: o.threshold });
  return {
    decide(observation, proposed) {
      if (observation === null) return decision(neutral, 'fallback', 'state-missing', null);
      if (observation.values.length !== o.observationSize) return decision(neutral, 'fallback', 'state-invalid', null);
      if (proposed === null) return decision(neutral, 'fallback', 'command-missing', null);
      if (proposed.values.length !== o.actionSize) return decision(neutral, 'fallback', 'command-invalid', null);
      let risk = 0;
      for (let i = 0; i < o.actionSize; i++) risk = Math.max(risk, Math.abs(proposed.values[i]));
      const action = Float64Array.from(proposed.values);
      if (risk <= o.threshold) return decision(action, 'task', 'risk-acceptable', risk);
      for (let i = 0; i < action.length; i++) action[i] *= o.threshold / risk;
      return decision(action, 'recovery', 'risk-too-high', risk);
    },
  };
}

/** Lets every proposal through unchanged (the neutral action when there is none). */
export function passthroughGate(actionSize: number): Gate {
  return {
    decide: (_observation, proposed) => ({
      action: proposed !== null && proposed.values.length === actionSize ? Float64Array.from(proposed.values) : new Float64Array(actionSize),
      source: proposed !== null && proposed.values.length === actionSize ? 'task' : 'fallback',
      reason: proposed === null ? 'command-missing' : proposed.values.length === actionSize ? 'risk-acceptable' : 'command-invalid',
      risk: null,
      threshold: 0,
    }),
  };
}

export interface GateCall {
  readonly observation: { values: number[]; stampNs: number } | null;
  readonly proposed: { values: number[]; stampNs: number } | null;
  readonly nowNs: number;
  readonly decision: Decision;
}

/** Wraps a gate and keeps a copy of every call. */
export function recordingGate(inner: Gate): Gate & { readonly calls: GateCall[] } {
  const calls: GateCall[] = [];
  const copy = (v: StampedVector | null) => (v === null ? null : { values: Array.from(v.values), stampNs: v.stampNs });
  return {
    calls,
    decide(observation, proposed, nowNs) {
      const d = inner.decide(observation, proposed, nowNs) as Decision;
      calls.push({ observation: copy(observation), proposed: copy(proposed), nowNs, decision: d });
      return d;
    },
  };
}
