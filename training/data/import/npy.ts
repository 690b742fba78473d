import { DatasetError } from '../errors.js';
import type { NumericArray, NumericData } from './arrays.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

const DTYPES: Record<string, { bytes: number; make: (buffer: ArrayBuffer) => NumericData }> = {
  '<f4': { bytes: 4, make: (b) => new Float32Array(b) },
  '<f8': { bytes: 8, make: (b) => new Float64Array(b) },
  '|b1': { bytes: 1, make: (b) => new Uint8Array(b) },
  '|u1': { bytes: 1, make: (b) => new Uint8Array(b) },
  '<i4': { bytes: 4, make: (b) => new Int32Array(b) },
  '<i8': { bytes: 8, make: (b) => new BigInt64Array(b) },
};

/**
 * Parses a NumPy `.npy` file (format versions 1-3) holding a little-endian, C-order array of
 * float32, float64, bool, uint8, int32 or int64. `name` labels errors and the result.
 */
export function parseNpy(name: string, bytes: Uint8Array): NumericArray {
  const fail = (what: string): never => {
    throw new DatasetError(`${name}: ${what}`);
  };
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) fail('not a .npy array (no \\x93NUMPY magic)');
  const major = bytes[6];
  if (major < 1 || major > 3) fail(`unsupported .npy format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart) fail('truncated .npy header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) fail('truncated .npy header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    return fail(`cannot parse the .npy header ${JSON.stringify(header.trim())} (structured dtypes are not supported)`);
  }
  const dtype = DTYPES[descr];
  if (!dtype) {
    return fail(`unsupported dtype '${descr}'; supported: little-endian float32 '<f4', float64 '<f8', bool '|b1', uint8 '|u1', int32 '<i4', int64 '<i8'`);
  }
  if (fortran === 'True') fail('Fortran-order array; save it in C order (numpy.ascontiguousarray)');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : fail(`cannot parse the shape (${shapeText})`)));
  const count = shape.reduce((a, b) => a * b, 1);
  const dataBytes = count * dtype.bytes;
  if (bytes.length - dataStart < dataBytes) {
    fail(`truncated: shape [${shape.join(', ')}] of '${descr}' needs ${dataBytes} bytes of data, the file has ${bytes.length - dataStart}`);
  }
  // slice() copies into a fresh, aligned buffer: the data offset in the file need not be a multiple of the item size.
  const data = dtype.make(bytes.slice(dataStart, dataStart + dataBytes).buffer);
  return { name, shape, data };
}
