import { allocateColumns, checkSizes, freezeColumns, growColumns, writeRow, type ColumnStore } from './columns.js';
import type { TransitionInput, Transitions } from './schema.js';

/** Appends transitions into growing columns; `freeze()` hands them over as exact-size `Transitions`. */
export class TransitionBuilder {
  #store: ColumnStore;
  #size = 0;
  #frozen = false;

  constructor(observationSize: number, actionSize: number, initialCapacity = 1024) {
    checkSizes(observationSize, actionSize);
    this.#store = allocateColumns(Math.max(1, Math.floor(initialCapacity)), observationSize, actionSize);
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

  push(t: TransitionInput): void {
    if (this.#frozen) throw new Error('TransitionBuilder.push after freeze()');
    if (this.#size === this.#store.capacity) this.#store = growColumns(this.#store, 2 * this.#store.capacity, this.#size);
    writeRow(this.#store, this.#size, t);
    this.#size++;
  }

  /** The transitions pushed so far; the builder cannot be used afterwards. */
  freeze(): Transitions {
    if (this.#frozen) throw new Error('TransitionBuilder.freeze called twice');
    this.#frozen = true;
    const t = freezeColumns(this.#store, this.#size);
    this.#store = allocateColumns(0, this.#store.observationSize, this.#store.actionSize);
    return t;
  }
}
