import { DatasetError } from './errors.js';
import type { TransitionInput, Transitions } from './schema.js';

/** The columns of `Transitions` with room for `capacity` rows; the builder and the replay buffer fill it. */
export interface ColumnStore extends Omit<Transitions, 'size'> {
  readonly capacity: number;
}

export function checkSizes(observationSize: number, actionSize: number): void {
  for (const [name, n] of [['observationSize', observationSize], ['actionSize', actionSize]] as const) {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${name} must be a positive integer, got ${n}`);
  }
}

export function allocateColumns(capacity: number, observationSize: number, actionSize: number): ColumnStore {
  return {
    capacity,
    observationSize,
    actionSize,
    obs: new Float32Array(capacity * observationSize),
    action: new Float32Array(capacity * actionSize),
    reward: new Float32Array(capacity),
    nextObs: new Float32Array(capacity * observationSize),
    constraint: new Uint8Array(capacity),
    done: new Uint8Array(capacity),
    envId: new Int32Array(capacity),
  };
}

/** A larger store holding the first `rows` rows of `store`. */
export function growColumns(store: ColumnStore, capacity: number, rows: number): ColumnStore {
  const next = allocateColumns(capacity, store.observationSize, store.actionSize);
  const d = store.observationSize;
  const k = store.actionSize;
  next.obs.set(store.obs.subarray(0, rows * d));
  next.action.set(store.action.subarray(0, rows * k));
  next.reward.set(store.reward.subarray(0, rows));
  next.nextObs.set(store.nextObs.subarray(0, rows * d));
  next.constraint.set(store.constraint.subarray(0, rows));
  next.done.set(store.done.subarray(0, rows));
  next.envId.set(store.envId.subarray(0, rows));
  return next;
}

/** Exact-size copies of the first `rows` rows. */
export function freezeColumns(store: ColumnStore, rows: number): Transitions {
  const d = store.observationSize;
  const k = store.actionSize;
  return {
    size: rows,
    observationSize: d,
    actionSize: k,
    obs: store.obs.slice(0, rows * d),
    action: store.action.slice(0, rows * k),
    reward: store.reward.slice(0, rows),
    nextObs: store.nextObs.slice(0, rows * d),
    constraint: store.constraint.slice(0, rows),
    done: store.done.slice(0, rows),
    envId: store.envId.slice(0, rows),
  };
}

/** Writes one transition into row `row`, refusing wrong lengths, non-finite numbers and non-0/1 flags. */
export function writeRow(store: ColumnStore, row: number, t: TransitionInput): void {
  const d = store.observationSize;
  const k = store.actionSize;
  copyVector('obs', t.obs, d, store.obs, row * d);
  copyVector('action', t.action, k, store.action, row * k);
  copyVector('nextObs', t.nextObs, d, store.nextObs, row * d);
  if (!Number.isFinite(t.reward)) throw new DatasetError(`transition reward is ${t.reward}; it must be a finite number`);
  store.reward[row] = t.reward;
  store.constraint[row] = flag('constraint', t.constraint);
  store.done[row] = flag('done', t.done);
  const envId = t.envId ?? 0;
  if (!Number.isInteger(envId) || envId < 0 || envId > 0x7fffffff) {
    throw new DatasetError(`transition envId is ${envId}; it must be a non-negative integer`);
  }
  store.envId[row] = envId;
}

function copyVector(name: string, src: ArrayLike<number>, n: number, dst: Float32Array, at: number): void {
  if (src.length !== n) throw new DatasetError(`transition ${name} has length ${src.length}; expected ${n}`);
  for (let j = 0; j < n; j++) {
    const x = src[j];
    if (!Number.isFinite(x)) throw new DatasetError(`transition ${name}[${j}] is ${x}; it must be a finite number`);
    dst[at + j] = x;
  }
}

function flag(name: string, x: 0 | 1 | boolean): 0 | 1 {
  if (x === true || x === 1) return 1;
  if (x === false || x === 0) return 0;
  throw new DatasetError(`transition ${name} is ${String(x)}; it must be 0, 1 or a boolean`);
}

/** Copies row `from` of `src` into row `to` of `dst` (same sizes). */
export function copyRow(src: Omit<Transitions, 'size'>, from: number, dst: Omit<Transitions, 'size'>, to: number): void {
  const d = src.observationSize;
  const k = src.actionSize;
  dst.obs.set(src.obs.subarray(from * d, from * d + d), to * d);
  dst.action.set(src.action.subarray(from * k, from * k + k), to * k);
  dst.nextObs.set(src.nextObs.subarray(from * d, from * d + d), to * d);
  dst.reward[to] = src.reward[from];
  dst.constraint[to] = src.constraint[from];
  dst.done[to] = src.done[from];
  dst.envId[to] = src.envId[from];
}

/** The rows at `indices`, in that order, as new columns. */
export function takeRows(src: Omit<Transitions, 'size'>, indices: ArrayLike<number>): Transitions {
  const out = allocateColumns(indices.length, src.observationSize, src.actionSize);
  for (let j = 0; j < indices.length; j++) copyRow(src, indices[j], out, j);
  return { ...withoutCapacity(out), size: indices.length };
}

/** Stacks datasets with equal observation and action sizes, in order. */
export function concatTransitions(parts: readonly Transitions[]): Transitions {
  if (parts.length === 0) throw new RangeError('concatTransitions needs at least one part');
  const { observationSize: d, actionSize: k } = parts[0];
  const mismatch = parts.find((p) => p.observationSize !== d || p.actionSize !== k);
  if (mismatch) {
    throw new DatasetError(`cannot stack transitions of sizes obs ${d}/act ${k} and obs ${mismatch.observationSize}/act ${mismatch.actionSize}`);
  }
  const total = parts.reduce((n, p) => n + p.size, 0);
  const out = allocateColumns(total, d, k);
  let row = 0;
  for (const p of parts) {
    out.obs.set(p.obs.subarray(0, p.size * d), row * d);
    out.action.set(p.action.subarray(0, p.size * k), row * k);
    out.nextObs.set(p.nextObs.subarray(0, p.size * d), row * d);
    out.reward.set(p.reward.subarray(0, p.size), row);
    out.constraint.set(p.constraint.subarray(0, p.size), row);
    out.done.set(p.done.subarray(0, p.size), row);
    out.envId.set(p.envId.subarray(0, p.size), row);
    row += p.size;
  }
  return { ...withoutCapacity(out), size: total };
}

function withoutCapacity({ capacity: _, ...columns }: ColumnStore): Omit<ColumnStore, 'capacity'> {
  return columns;
}
