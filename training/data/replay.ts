import type { Rng } from '../../sim/index.js';
import { allocateColumns, checkSizes, copyRow, growColumns, takeRows, writeRow, type ColumnStore } from './columns.js';
import { DatasetError } from './errors.js';
import type { TransitionBatch, TransitionInput, Transitions } from './schema.js';

/**
 * `k` distinct integers from [0, n) (all n when k >= n), drawn with Floyd's algorithm: O(k) time and
 * draws whatever n is, and the same `rng` state gives the same indices.
 */
export function sampleWithoutReplacement(rng: Rng, n: number, k: number): Int32Array {
  const m = Math.min(n, k);
  const chosen = new Set<number>();
  const out = new Int32Array(m);
  let at = 0;
  for (let j = n - m; j < n; j++) {
    const t = rng.int(j + 1);
    const pick = chosen.has(t) ? j : t;
    chosen.add(pick);
    out[at++] = pick;
  }
  return out;
}

/**
 * Transitions for training, in the dataset's columns. Storage grows as transitions arrive, up to
 * `capacity`; past that the oldest transition is overwritten. Violating (constraint = 1) and safe
 * transitions are indexed separately, so balanced sampling costs O(batch) and not a scan.
 */
export class ReplayBuffer {
  readonly capacity: number;
  #store: ColumnStore;
  #scratch: ColumnStore;
  #size = 0;
  /** Next slot to write once the buffer is full (the oldest transition). */
  #oldest = 0;
  #overwritten = false;
  /** Slot lists by constraint value, and each slot's position in its list. */
  #bySlot: [Int32Array, Int32Array];
  #counts: [number, number] = [0, 0];
  #where: Int32Array;

  constructor(observationSize: number, actionSize: number, capacity = 1_000_000) {
    checkSizes(observationSize, actionSize);
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    const initial = Math.min(capacity, 1024);
    this.#store = allocateColumns(initial, observationSize, actionSize);
    this.#scratch = allocateColumns(1, observationSize, actionSize);
    this.#bySlot = [new Int32Array(initial), new Int32Array(initial)];
    this.#where = new Int32Array(initial);
  }

  get size(): number {
    return this.#size;
  }

  get observationSize(): number {
    return this.#store.observationSize;
  }

  get actionSize(): number {
    return this.#store.actionSize;
  }

  /** Number of stored transitions with constraint = 1. */
  get violations(): number {
    return this.#counts[1];
  }

  /** Appends one transition (checked: lengths, finite numbers, 0/1 flags). */
  push(t: TransitionInput): void {
    writeRow(this.#scratch, 0, t);
    this.#put(this.#scratch, 0);
  }

  /** Appends every transition of a dataset, in order. */
  pushAll(t: Transitions): void {
    if (t.observationSize !== this.observationSize || t.actionSize !== this.actionSize) {
      throw new DatasetError(
        `cannot add transitions with obs ${t.observationSize}/act ${t.actionSize} to a replay buffer of obs ${this.observationSize}/act ${this.actionSize}`,
      );
    }
    for (let i = 0; i < t.size; i++) this.#put(t, i);
  }

  /** Copies of the transitions pushed from the `start`-th on, in order; only while none has been overwritten. */
  rowsFrom(start: number): Transitions {
    if (this.#overwritten) throw new RangeError('the replay buffer is full and has overwritten its first transitions: no longer in push order');
    if (!Number.isInteger(start) || start < 0 || start > this.#size) throw new RangeError(`start must be an integer in [0, ${this.#size}], got ${start}`);
    return takeRows(this.#store, Int32Array.from({ length: this.#size - start }, (_, i) => start + i));
  }

  /** Copies of every stored violating transition (constraint = 1), in no particular order. */
  violating(): TransitionBatch {
    return takeRows(this.#store, this.#bySlot[1].slice(0, this.#counts[1]));
  }

  /** `batchSize` transitions drawn uniformly without replacement (the whole buffer if it holds fewer). */
  sample(rng: Rng, batchSize: number): TransitionBatch {
    checkBatchSize(batchSize);
    if (this.#size === 0) throw new DatasetError('cannot sample from an empty replay buffer');
    return takeRows(this.#store, sampleWithoutReplacement(rng, this.#size, batchSize));
  }

  /**
   * A batch with ⌊posFraction·batchSize⌋ violating transitions and the rest safe ones, each part drawn
   * uniformly without replacement (the `pos_fraction` sampling of Recovery RL and MESA).
   */
  sampleBalanced(rng: Rng, batchSize: number, posFraction: number): TransitionBatch {
    checkBatchSize(batchSize);
    if (!(posFraction >= 0 && posFraction <= 1)) throw new RangeError(`posFraction must be in [0, 1], got ${posFraction}`);
    const wantPos = Math.floor(posFraction * batchSize);
    const wantNeg = batchSize - wantPos;
    const [neg, pos] = this.#counts;
    if (wantPos > pos || wantNeg > neg) {
      const [want, have, kind] = wantPos > pos ? [wantPos, pos, 'violating'] : [wantNeg, neg, 'safe'];
      throw new DatasetError(
        `balanced sampling (posFraction ${posFraction}, batch ${batchSize}) needs ${want} ${kind} transitions, ` +
          `but the replay buffer holds only ${have} (${pos} violating, ${neg} safe)`,
      );
    }
    const slots = new Int32Array(batchSize);
    sampleWithoutReplacement(rng, pos, wantPos).forEach((j, i) => (slots[i] = this.#bySlot[1][j]));
    sampleWithoutReplacement(rng, neg, wantNeg).forEach((j, i) => (slots[wantPos + i] = this.#bySlot[0][j]));
    return takeRows(this.#store, slots);
  }

  #put(src: Omit<Transitions, 'size'>, row: number): void {
    let slot: number;
    if (this.#size < this.capacity) {
      if (this.#size === this.#store.capacity) this.#grow();
      slot = this.#size++;
    } else {
      slot = this.#oldest;
      this.#oldest = (this.#oldest + 1) % this.capacity;
      this.#overwritten = true;
      this.#unindex(slot);
    }
    copyRow(src, row, this.#store, slot);
    const c = this.#store.constraint[slot];
    this.#bySlot[c][this.#counts[c]] = slot;
    this.#where[slot] = this.#counts[c]++;
  }

  #unindex(slot: number): void {
    const c = this.#store.constraint[slot];
    const list = this.#bySlot[c];
    const last = list[--this.#counts[c]];
    list[this.#where[slot]] = last;
    this.#where[last] = this.#where[slot];
  }

  #grow(): void {
    const capacity = Math.min(this.capacity, 2 * this.#store.capacity);
    this.#store = growColumns(this.#store, capacity, this.#size);
    const widen = (a: Int32Array) => {
      const b = new Int32Array(capacity);
      b.set(a);
      return b;
    };
    this.#bySlot = [widen(this.#bySlot[0]), widen(this.#bySlot[1])];
    this.#where = widen(this.#where);
  }
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
}
