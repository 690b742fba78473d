import type { DecisionReason, DecisionSource, TickRecord } from '../../runtime/core/decision.js';

const SOURCES: readonly DecisionSource[] = ['task', 'task', 'task', 'recovery', 'fallback'];
const REASONS: Readonly<Record<DecisionSource, readonly DecisionReason[]>> = {
  task: ['risk-acceptable', 'hysteresis'],
  recovery: ['risk-too-high'],
  fallback: ['state-stale', 'model-not-loaded'],
};

/**
 * Tick i of a made-up run, every value derived from i so a reader can check any record alone:
 * observation j is i + j / 10, proposed j is -i - j, applied is half the proposal, tNs is i ms.
 */
export function tick(i: number, observationSize = 3, actionSize = 2): TickRecord {
  const source = SOURCES[i % SOURCES.length];
  const reasons = REASONS[source];
  const proposed = Float64Array.from({ length: actionSize }, (_, j) => -i - j);
  return {
    tNs: i * 1e6,
    observation: Float64Array.from({ length: observationSize }, (_, j) => i + j / 10),
    proposed,
    applied: proposed.map((x) => x / 2),
    risk: source === 'fallback' ? null : (i % 100) / 100,
    source,
    reason: reasons[i % reasons.length],
    ...(i % 7 === 0 ? {} : { constraint: i % 11 === 0 ? (1 as const) : (0 as const) }),
  };
}

/** The record as a reader returns it: `constraint` absent rather than undefined. */
export function plain(r: TickRecord): Record<string, unknown> {
  return { ...r, observation: Array.from(r.observation), proposed: Array.from(r.proposed), applied: Array.from(r.applied) };
}
