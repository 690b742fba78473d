import { Rng } from '../../sim/index.js';
import type { BatchSource, TransitionColumns } from '../../training/batch.js';

/** In-memory transitions with uniform sampling without replacement. */
export function arraySource(columns: TransitionColumns): BatchSource {
  return {
    size: columns.size,
    sample(rng: Rng, batchSize: number): TransitionColumns {
      const n = Math.min(batchSize, columns.size);
      const picked = new Set<number>();
      while (picked.size < n) picked.add(rng.int(columns.size));
      const rows = [...picked];
      const take = (src: Float32Array, width: number) => {
        const out = new Float32Array(n * width);
        rows.forEach((r, i) => out.set(src.subarray(r * width, (r + 1) * width), i * width));
        return out;
      };
      return {
        size: n,
        observationSize: columns.observationSize,
        actionSize: columns.actionSize,
        obs: take(columns.obs, columns.observationSize),
        action: take(columns.action, columns.actionSize),
        nextObs: take(columns.nextObs, columns.observationSize),
        constraint: Uint8Array.from(rows, (r) => columns.constraint[r]),
        done: Uint8Array.from(rows, (r) => columns.done[r]),
      };
    },
  };
}

/**
 * A 1-D world: s' = s + 0.3 a, violation when |s'| > 0.8 (and the episode ends there).
 * `shift` moves the unsafe boundary, making "environments" that differ like the paper's.
 */
export function toyTransitions(rng: Rng, size: number, shift = 0): TransitionColumns {
  const obs = new Float32Array(size);
  const action = new Float32Array(size);
  const nextObs = new Float32Array(size);
  const constraint = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    obs[i] = rng.uniformIn(-1, 1);
    action[i] = rng.uniformIn(-1, 1);
    nextObs[i] = obs[i] + 0.3 * action[i];
    constraint[i] = Math.abs(nextObs[i] - shift) > 0.8 ? 1 : 0;
  }
  return { size, observationSize: 1, actionSize: 1, obs, action, nextObs, constraint, done: constraint.slice() };
}
