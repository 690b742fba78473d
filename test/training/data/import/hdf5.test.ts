import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readArray, withHdf5 } from '../../../../training/data/import/hdf5.js';
import { tempDir } from '../../../support/datasets.js';
import { writeHdf5 } from '../../../support/hdf5.js';

const tmp = tempDir();
after(tmp.remove);

describe('HDF5 array reading', () => {
  it('reads a large array in slices and gets the same values as a whole read', async () => {
    const path = join(tmp.dir, 'sliced.hdf5');
    const values = Float64Array.from({ length: 3 * 101 }, (_, j) => j * 0.5 - 7);
    await writeHdf5(path, { x: { data: values, shape: [101, 3], gzipChunkRows: 10 }, flags: { data: Uint8Array.from({ length: 101 }, (_, i) => i % 3), dtype: '|b1' } });
    await withHdf5(path, (file) => {
      for (const sliceBytes of [1, 24 * 7, 24 * 101, 2 ** 20]) {
        const a = readArray(path, file, 'x', sliceBytes);
        assert.deepEqual(a?.shape, [101, 3]);
        assert.ok(a?.data instanceof Float64Array);
        assert.deepEqual(Array.from(a.data as Float64Array), Array.from(values), `slices of ${sliceBytes} bytes`);
        assert.deepEqual(Array.from(readArray(path, file, 'flags', sliceBytes)?.data as Int8Array), Array.from({ length: 101 }, (_, i) => i % 3));
      }
      assert.equal(readArray(path, file, 'nothing'), null);
    });
  });
});
