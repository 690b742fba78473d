import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../../../sim/index.js';
import { importDataset } from '../../../../training/data/index.js';

/** Files written by numpy 1.24 and h5py 3.7 (see test/fixtures/data/make.py): zip64 entries, h5py boolean enums, gzip chunks. */
const fixture = (name: string) => join(packageRoot(), 'test', 'fixtures', 'data', name);

describe('import of files written by numpy and h5py', () => {
  for (const [format, name] of [
    ['npz', 'omnisafe.npz'],
    ['npz', 'omnisafe-compressed.npz'],
    ['dsrl', 'dsrl.hdf5'],
  ] as const) {
    it(`${name} (${format})`, async () => {
      const t = (await importDataset(format, fixture(name))).transitions;
      assert.deepEqual([t.size, t.observationSize, t.actionSize], [7, 3, 2]);
      assert.deepEqual(Array.from(t.obs.subarray(6, 9)), [2, 12, 22]);
      assert.deepEqual(Array.from(t.nextObs.subarray(6, 9)), [102, 112, 122]);
      assert.deepEqual(Array.from(t.action.subarray(2, 4)), [0.5, 0.75]);
      assert.deepEqual(Array.from(t.constraint), [0, 1, 0, 0, 1, 0, 1]);
      assert.deepEqual(Array.from(t.done), [0, 0, 0, 1, 0, 0, 1]);
    });
  }

  it('minari folder (main_data.hdf5 in data/)', async () => {
    const t = (await importDataset('minari', fixture('minari'))).transitions;
    assert.equal(t.size, 7);
    assert.deepEqual(Array.from(t.obs.subarray(0, 2)), [0, 1]);
    assert.deepEqual(Array.from(t.nextObs.subarray(12, 14)), [108, 109]);
    assert.deepEqual(Array.from(t.action), [0, 0, 0, 1, 1, 1, 1]);
    assert.deepEqual(Array.from(t.constraint), [0, 0, 1, 0, 0, 0, 1]);
    assert.deepEqual(Array.from(t.done), [0, 0, 0, 0, 0, 0, 1]);
  });
});
