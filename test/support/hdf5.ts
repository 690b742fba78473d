import h5wasm, { Group } from 'h5wasm/node';

export interface Hdf5Array {
  readonly data: Float32Array | Float64Array | Uint8Array | Int32Array | BigInt64Array;
  readonly shape?: readonly number[];
  /** h5wasm dtype, e.g. '|b1' for the booleans h5py writes. */
  readonly dtype?: string;
  /** Store gzip-compressed in chunks of this many rows, as large D4RL files are. */
  readonly gzipChunkRows?: number;
}

/** Writes an HDF5 file with one dataset per entry; a key like `episode_0/infos/cost` creates the groups on its path. */
export async function writeHdf5(path: string, arrays: Record<string, Hdf5Array>): Promise<void> {
  await h5wasm.ready;
  const file = new h5wasm.File(path, 'w');
  try {
    for (const [key, a] of Object.entries(arrays)) {
      const parts = key.split('/');
      let group: Group = file;
      for (const part of parts.slice(0, -1)) {
        const existing = group.get(part);
        group = existing instanceof Group ? existing : group.create_group(part);
      }
      const shape = a.shape ? [...a.shape] : [a.data.length];
      const compression = a.gzipChunkRows ? { compression: 'gzip' as const, chunks: [a.gzipChunkRows, ...shape.slice(1)] } : {};
      group.create_dataset({ name: parts.at(-1) as string, data: a.data, shape, dtype: a.dtype ?? null, ...compression });
    }
  } finally {
    file.close();
  }
}
