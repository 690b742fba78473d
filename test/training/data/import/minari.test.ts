import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DatasetError, importDataset } from '../../../../training/data/index.js';
import { tempDir } from '../../../support/datasets.js';
import { writeHdf5, type Hdf5Array } from '../../../support/hdf5.js';

const tmp = tempDir();
after(tmp.remove);

/**
 * Episode `id` of `steps` steps: observation t is [100·id + t, −(100·id + t)] (T + 1 of them), action t
 * is [id], cost 1 at the last step, terminated when `terminal`, else truncated.
 */
function episode(id: number, steps: number, terminal: boolean, costKey = 'infos/cost', obsRows = steps + 1): Record<string, Hdf5Array> {
  const p = `episode_${id}`;
  const last = (on: boolean) => Uint8Array.from({ length: steps }, (_, t) => (on && t === steps - 1 ? 1 : 0));
  return {
    [`${p}/observations`]: { data: Float64Array.from({ length: 2 * obsRows }, (_, j) => (j % 2 ? -1 : 1) * (100 * id + Math.floor(j / 2))), shape: [obsRows, 2] },
    [`${p}/actions`]: { data: new Float32Array(steps).fill(id), shape: [steps, 1] },
    [`${p}/rewards`]: { data: new Float64Array(steps).fill(0.5) },
    [`${p}/terminations`]: { data: last(terminal), dtype: '|b1' },
    [`${p}/truncations`]: { data: last(!terminal), dtype: '|b1' },
    [`${p}/${costKey}`]: { data: Float32Array.from({ length: steps }, (_, t) => (t === steps - 1 ? 1 : 0)) },
  };
}

const paths: Record<string, string> = {};
before(async () => {
  // Written out of order, with an id of two digits, to check that episodes come in id order.
  paths.main = join(tmp.dir, 'main.hdf5');
  await writeHdf5(paths.main, { ...episode(10, 2, true), ...episode(0, 3, false), ...episode(2, 1, true) });
  paths.costs = join(tmp.dir, 'costs.hdf5');
  await writeHdf5(paths.costs, { ...episode(0, 3, false, 'infos/costs') });
  paths.custom = join(tmp.dir, 'custom.hdf5');
  await writeHdf5(paths.custom, { ...episode(0, 3, false, 'infos/cost_hazards') });
  paths.shortObs = join(tmp.dir, 'short.hdf5');
  await writeHdf5(paths.shortObs, { ...episode(0, 3, false), ...episode(1, 3, false, 'infos/cost', 3) });
  paths.folder = join(tmp.dir, 'minari-dataset');
  mkdirSync(join(paths.folder, 'data'), { recursive: true });
  await writeHdf5(join(paths.folder, 'data', 'main_data.hdf5'), episode(0, 2, true));
});

async function assertRejected(run: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(run, (e: unknown) => (e instanceof DatasetError && pattern.test(e.message) ? true : assert.fail(`unexpected error: ${String(e)}`)));
}

describe('import of Minari HDF5 datasets', () => {
  it('concatenates episodes in id order, pairing each observation with the next of the T + 1', async () => {
    const d = await importDataset('minari', paths.main);
    const t = d.transitions;
    assert.deepEqual([t.size, t.observationSize, t.actionSize], [6, 2, 1]);
    assert.deepEqual(Array.from(t.action), [0, 0, 0, 2, 10, 10]);
    const first = (col: Float32Array) => Array.from({ length: t.size }, (_, i) => col[2 * i]);
    assert.deepEqual(first(t.obs), [0, 1, 2, 200, 1000, 1001]);
    assert.deepEqual(first(t.nextObs), [1, 2, 3, 201, 1001, 1002]);
    assert.deepEqual(Array.from(t.nextObs.subarray(4, 6)), [3, -3]);
    assert.deepEqual(Array.from(t.constraint), [0, 0, 1, 1, 0, 1]);
    assert.deepEqual(Array.from(t.done), [0, 0, 0, 1, 0, 1], 'terminations are done, truncations are not');
    assert.equal(d.meta.notes, '3 episodes');
  });

  it('finds the cost in infos/costs, or where --cost-key says', async () => {
    assert.deepEqual(Array.from((await importDataset('minari', paths.costs)).transitions.constraint), [0, 0, 1]);
    await assertRejected(() => importDataset('minari', paths.custom), /episode_0 has no infos\/cost or infos\/costs .*give --cost-key/);
    assert.deepEqual(Array.from((await importDataset('minari', paths.custom, { costKey: 'infos/cost_hazards' })).transitions.constraint), [0, 0, 1]);
  });

  it('accepts the dataset folder as well as its main_data.hdf5', async () => {
    for (const path of [paths.folder, join(paths.folder, 'data'), join(paths.folder, 'data', 'main_data.hdf5')]) {
      assert.equal((await importDataset('minari', path)).transitions.size, 2, path);
    }
    await assertRejected(() => importDataset('minari', tmp.dir), /a folder without main_data\.hdf5/);
  });

  it('refuses an episode without its final observation, naming the arrays and shapes', async () => {
    await assertRejected(
      () => importDataset('minari', paths.shortObs),
      /shape mismatch in episode_1: episode_1\/observations \[3, 2\] must have one row more than episode_1\/actions \[3, 1\]/,
    );
  });

  it('refuses a missing file and a file without episodes', async () => {
    await assertRejected(() => importDataset('minari', join(tmp.dir, 'nope.hdf5')), /nope\.hdf5: no such file/);
    const flat = join(tmp.dir, 'flat.hdf5');
    await writeHdf5(flat, { observations: { data: new Float32Array(4), shape: [2, 2] } });
    await assertRejected(() => importDataset('minari', flat), /no episode_<id> groups \(it has: observations\); not a Minari HDF5 dataset/);
  });
});
