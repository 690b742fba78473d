import { SimInputError } from './errors.js';

/** A box in R^n: every coordinate has an inclusive lower and upper bound (possibly infinite). */
export interface Box {
  readonly size: number;
  readonly low: Float64Array;
  readonly high: Float64Array;
}

export function box(low: readonly number[], high: readonly number[]): Box {
  if (low.length !== high.length) throw new RangeError('box bounds differ in length');
  low.forEach((lo, i) => {
    if (!(lo <= high[i])) throw new RangeError(`box bound ${i}: low ${lo} > high ${high[i]}`);
  });
  return { size: low.length, low: Float64Array.from(low), high: Float64Array.from(high) };
}

/** A box with the same bounds on every coordinate. */
export function uniformBox(size: number, low: number, high: number): Box {
  return box(new Array<number>(size).fill(low), new Array<number>(size).fill(high));
}

/** Throws a `SimInputError` unless `action` has the box's length and only finite entries. */
export function checkAction(space: Box, action: ArrayLike<number>, domain: string): void {
  if (action == null || typeof action.length !== 'number') {
    throw new SimInputError(`${domain}: action must be an array of ${space.size} numbers`);
  }
  if (action.length !== space.size) {
    throw new SimInputError(`${domain}: action has ${action.length} entries, expected ${space.size}`);
  }
  for (let i = 0; i < action.length; i++) {
    const v = action[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new SimInputError(`${domain}: action[${i}] is ${String(v)}; every entry must be a finite number`);
    }
  }
}

/** Clips `action` into the box, writing into `out`. */
export function clipInto(space: Box, action: ArrayLike<number>, out: Float64Array): Float64Array {
  for (let i = 0; i < space.size; i++) out[i] = Math.min(space.high[i], Math.max(space.low[i], action[i]));
  return out;
}

/** A uniformly random point of a bounded box. */
export function sampleBox(space: Box, rng: { uniformIn(lo: number, hi: number): number }): Float64Array {
  const a = new Float64Array(space.size);
  for (let i = 0; i < space.size; i++) a[i] = rng.uniformIn(space.low[i], space.high[i]);
  return a;
}
