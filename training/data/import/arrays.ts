import { DatasetError } from '../errors.js';

export type NumericData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** An n-dimensional array read from a foreign file, C order, with the name it had there. */
export interface NumericArray {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: NumericData;
}

export function isNumericData(x: unknown): x is NumericData {
  return ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof Uint8ClampedArray);
}

export function shapeText(a: NumericArray): string {
  return `${a.name} [${a.shape.join(', ')}]`;
}

/** Values per row of an array of vectors: [N] is one value per row, [N, d] is d. */
export function vectorWidth(file: string, a: NumericArray): number {
  if (a.shape.length === 1) return 1;
  if (a.shape.length === 2 && a.shape[1] > 0) return a.shape[1];
  throw new DatasetError(`${file}: ${shapeText(a)} must have shape [N] or [N, d] (one flat vector per row)`);
}

/** Checks that an array holds one number per row: [N] or [N, 1]. */
export function checkScalarPerRow(file: string, a: NumericArray): void {
  if (a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1)) return;
  throw new DatasetError(`${file}: ${shapeText(a)} must have shape [N] or [N, 1] (one number per row)`);
}

/** All arrays have the same number of rows, or a `DatasetError` lists every shape. */
export function checkSameRows(file: string, what: string, arrays: readonly NumericArray[]): number {
  const n = arrays[0].shape[0];
  if (arrays.some((a) => a.shape[0] !== n)) {
    throw new DatasetError(`${file}: shape mismatch${what ? ` in ${what}` : ''}: ${arrays.map(shapeText).join(', ')} must all have the same number of rows`);
  }
  return n;
}

export function toFloat32(a: NumericArray): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(a.data[i]);
  return out;
}

/** 1 where the value is non-zero (booleans and 0/1 flags of any numeric type). */
export function toFlags(a: NumericArray): Uint8Array {
  const out = new Uint8Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] ? 1 : 0;
  return out;
}

/** Constraint indicator from a cost signal: 1 where cost > 0. A non-finite cost is refused rather than read as safe. */
export function costToConstraint(file: string, cost: NumericArray): Uint8Array {
  const out = new Uint8Array(cost.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = Number(cost.data[i]);
    if (Number.isNaN(c)) throw new DatasetError(`${file}: ${cost.name} holds NaN in row ${i}; cannot tell whether that transition violates the constraint`);
    out[i] = c > 0 ? 1 : 0;
  }
  return out;
}
