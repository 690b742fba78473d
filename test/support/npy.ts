import { zipSync } from 'fflate';

/** An array to write as .npy: a NumPy dtype string, the shape, and the values in C order. */
export interface NpyInput {
  readonly descr: string;
  readonly shape: readonly number[];
  readonly data: ArrayBufferView;
  readonly fortranOrder?: boolean;
}

/** A .npy file (format 1.0, header padded to 64 bytes as NumPy writes it). */
export function npyBytes({ descr, shape, data, fortranOrder = false }: NpyInput): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** A .npz archive (a zip of `<name>.npy` entries), as `numpy.savez` writes it. */
export function npzBytes(arrays: Record<string, NpyInput>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(arrays).map(([name, a]) => [`${name}.npy`, npyBytes(a)])), { level: 0 });
}
