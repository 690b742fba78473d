/** The status payload (JSON, retained on MQTT) and its validation for readers of the topic. */
import { z } from 'zod';
import type { DecisionReason } from '../core/decision.js';
import type { ShieldStatus } from './ports.js';

const count = z.number().int().nonnegative();

const statusJson = z.object({
  online: z.boolean(),
  source: z.enum(['task', 'recovery', 'fallback']).nullable(),
  risk: z.number().nullable(),
  threshold: z.number().nullable(),
  reason: z.string().max(64).nullable(),
  ticks: count,
  interventions: count,
  fallbacks: count,
  invalid_inputs: count,
  gate_errors: count,
  stamp_ns: z.number().nonnegative(),
});

const finiteOrNull = (x: number | null) => (x !== null && Number.isFinite(x) ? x : null);

export function encodeStatus(s: ShieldStatus): string {
  return JSON.stringify({
    online: s.online,
    source: s.source,
    risk: finiteOrNull(s.risk),
    threshold: finiteOrNull(s.threshold),
    reason: s.reason,
    ticks: s.ticks,
    interventions: s.interventions,
    fallbacks: s.fallbacks,
    invalid_inputs: s.invalidInputs,
    gate_errors: s.gateErrors,
    stamp_ns: s.stampNs,
  });
}

/** Null when the payload is not a status this transport writes. */
export function decodeStatus(payload: Uint8Array | string): ShieldStatus | null {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof payload === 'string' ? payload : new TextDecoder().decode(payload));
  } catch {
    return null;
  }
  const parsed = statusJson.safeParse(doc);
  if (!parsed.success) return null;
  const d = parsed.data;
  return {
    online: d.online,
    source: d.source,
    risk: d.risk,
    threshold: d.threshold,
    // The reason is the shield's own string; a reader that does not know it still gets it verbatim.
    reason: d.reason as DecisionReason | null,
    ticks: d.ticks,
    interventions: d.interventions,
    fallbacks: d.fallbacks,
    invalidInputs: d.invalid_inputs,
    gateErrors: d.gate_errors,
    stampNs: d.stamp_ns,
  };
}
