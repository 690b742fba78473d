import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Entity, File as H5File, Group } from 'h5wasm/node';
import { DatasetError, fsReason } from '../errors.js';
import { isNumericData, type NumericArray, type NumericData } from './arrays.js';

export type { Group, H5File };

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

type H5Lib = typeof import('h5wasm/node');
/** Loaded on first use: the HDF5 WebAssembly module is large, and only importers need it. */
let lib: H5Lib | undefined;
let loading: Promise<H5Lib> | undefined;

function loadLib(): Promise<H5Lib> {
  loading ??= import('h5wasm/node').then(async (loaded) => {
    (await loaded.default.ready).activate_throwing_error_handler();
    lib = loaded;
    return loaded;
  });
  return loading;
}

/** Set once a file has been opened, so code that holds an HDF5 object may use it without awaiting. */
function loadedLib(): H5Lib {
  if (!lib) throw new Error('h5wasm used before openHdf5');
  return lib;
}

export function isGroup(entity: Entity | null): entity is Group {
  return entity instanceof loadedLib().Group;
}

/**
 * Opens an HDF5 file for reading. HDF5's own error stack is long and, by default, printed to stderr
 * rather than thrown (a file that is not HDF5 even "opens" with an invalid id), so the file is checked
 * here first and HDF5 errors are turned into one line.
 */
export async function openHdf5(path: string): Promise<H5File> {
  const h5 = await loadLib();
  checkSignature(path);
  try {
    return new h5.File(resolve(path), 'r');
  } catch (e) {
    throw new DatasetError(`${path}: cannot open as HDF5: ${hdf5Reason(e)}`);
  }
}

/** Runs `read` on the opened file and always closes it. */
export async function withHdf5<T>(path: string, read: (file: H5File) => T): Promise<T> {
  const file = await openHdf5(path);
  try {
    return read(file);
  } finally {
    file.close();
  }
}

/**
 * The numeric dataset at `path` inside `group`, or null when there is nothing there. Large arrays
 * are read in slices of about `sliceBytes`, because a whole read first lands in the WebAssembly
 * heap, which cannot grow past 4 GiB.
 */
export function readArray(file: string, group: Group, path: string, sliceBytes = 256 * 2 ** 20): NumericArray | null {
  const entity = group.get(path);
  if (entity === null) return null;
  const where = group.path === '/' ? path : `${group.path.replace(/^\//, '')}/${path}`;
  if (!(entity instanceof loadedLib().Dataset)) {
    const what = isGroup(entity) ? `a group (with ${entity.keys().join(', ') || 'nothing'})` : 'not a dataset';
    throw new DatasetError(`${file}: ${where} is ${what}; expected a numeric array`);
  }
  const shape = entity.shape ?? [];
  const notNumeric = () => new DatasetError(`${file}: ${where} is not a numeric array (HDF5 type ${entity.dtype}, shape [${shape.join(', ')}])`);
  if (shape.length === 0) throw notNumeric();
  const rowValues = shape.slice(1).reduce((a, b) => a * b, 1);
  const rowBytes = Math.max(1, rowValues * entity.metadata.size);
  const numeric = (x: unknown): NumericData => {
    if (!isNumericData(x)) throw notNumeric();
    return x;
  };
  let data: NumericData;
  try {
    if (shape[0] * rowBytes <= sliceBytes) data = numeric(entity.value);
    else {
      const sliceRows = Math.max(1, Math.floor(sliceBytes / rowBytes));
      const first = numeric(entity.slice([[0, sliceRows]]));
      data = new (first.constructor as new (length: number) => NumericData)(shape[0] * rowValues);
      (data as Float64Array).set(first as Float64Array);
      for (let start = sliceRows; start < shape[0]; start += sliceRows) {
        (data as Float64Array).set(numeric(entity.slice([[start, Math.min(shape[0], start + sliceRows)]])) as Float64Array, start * rowValues);
      }
    }
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(`${file}: cannot read ${where}: ${hdf5Reason(e)}`);
  }
  return { name: where, shape, data };
}

export function requireArray(file: string, group: Group, path: string, hint = ''): NumericArray {
  const a = readArray(file, group, path);
  if (a !== null) return a;
  const where = group.path === '/' ? 'the file' : group.path.replace(/^\//, '');
  throw new DatasetError(`${file}: no "${path}" in ${where} (it has: ${group.keys().join(', ') || 'nothing'})${hint}`);
}

function checkSignature(path: string): void {
  let fd: number;
  let size: number;
  try {
    size = statSync(path).size;
    fd = openSync(path, 'r');
  } catch (e) {
    throw new DatasetError(`${path}: ${fsReason(e)}`);
  }
  try {
    const head = Buffer.alloc(SIGNATURE.length);
    // The superblock sits at 0 or, after a user block, at 512, 1024, 2048, ... bytes.
    for (let at = 0; at + SIGNATURE.length <= size; at = at === 0 ? 512 : 2 * at) {
      if (readSync(fd, head, 0, head.length, at) === head.length && head.equals(SIGNATURE)) return;
    }
  } finally {
    closeSync(fd);
  }
  throw new DatasetError(`${path}: not an HDF5 file (no HDF5 signature)`);
}

/** The innermost message of an HDF5 error stack, e.g. "truncated file: eof = 1494, ...". */
function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const messages = [...text.matchAll(/ in [\w]+\(\): (.+)$/gm)].map((m) => m[1].trim());
  return messages.at(-1) ?? text.split('\n')[0];
}
