import type { TransitionColumns } from '../batch.js';

/**
 * Whether transition i+1 continues the episode of transition i: not done, and its observation is
 * exactly the previous next-observation (datasets store episodes back to back, and rollouts that
 * end without a violation carry no end marker).
 */
export function continues(data: TransitionColumns, i: number): boolean {
  if (i + 1 >= data.size || data.done[i] === 1) return false;
  const d = data.observationSize;
  for (let k = 0; k < d; k++) if (data.nextObs[i * d + k] !== data.obs[(i + 1) * d + k]) return false;
  return true;
}

/** 1 where a violation happens within the next `horizon` transitions of the same episode (this one included). */
export function violationWithin(data: TransitionColumns, horizon: number): Uint8Array {
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizon must be a whole number >= 1, got ${horizon}`);
  const labels = new Uint8Array(data.size);
  let nextViolation = Infinity;
  for (let i = data.size - 1; i >= 0; i--) {
    if (!continues(data, i)) nextViolation = Infinity;
    else nextViolation += 1;
    if (data.constraint[i] === 1) nextViolation = 0;
    labels[i] = nextViolation < horizon ? 1 : 0;
  }
  return labels;
}

/**
 * The empirical counterpart of what the critic estimates along the logged behaviour:
 * G_t = c_t + (1 - c_t) * gamma * G_{t+1}, with G = 0 after the episode's last transition.
 */
export function discountedViolation(data: TransitionColumns, gamma: number): Float32Array {
  const g = new Float32Array(data.size);
  let next = 0;
  for (let i = data.size - 1; i >= 0; i--) {
    const c = data.constraint[i];
    const later = continues(data, i) ? next : 0;
    g[i] = c + (1 - c) * gamma * later;
    next = g[i];
  }
  return g;
}
