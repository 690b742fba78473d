import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DatasetError, importDataset, type Dataset } from '../../../../training/data/index.js';
import { tempDir } from '../../../support/datasets.js';
import { writeHdf5, type Hdf5Array } from '../../../support/hdf5.js';

const tmp = tempDir();
after(tmp.remove);

const N = 8;
/** obs row i is [i, 10 + i, 20 + i]; next_observations row i is obs row i + 100. */
const obs = Float32Array.from({ length: N * 3 }, (_, j) => Math.floor(j / 3) + 10 * (j % 3));
// Episodes: rows 0-2 end by time limit, rows 3-4 end in a terminal state, rows 5-7 are cut by the end of the file.
const terminals = Uint8Array.from([0, 0, 0, 0, 1, 0, 0, 0]);
const timeouts = Uint8Array.from([0, 0, 1, 0, 0, 0, 0, 0]);
const costs = Float32Array.from([0, 0.5, 0, 0, 2, 0, 0, 1]);

function flatFile(overrides: Record<string, Hdf5Array | null> = {}): Record<string, Hdf5Array> {
  const base: Record<string, Hdf5Array | null> = {
    observations: { data: obs, shape: [N, 3], gzipChunkRows: 4 },
    next_observations: { data: obs.map((x) => x + 100), shape: [N, 3] },
    actions: { data: Float64Array.from({ length: N * 2 }, (_, j) => j / 10), shape: [N, 2] },
    rewards: { data: Float32Array.from({ length: N }, (_, i) => 1 - i) },
    costs: { data: costs },
    terminals: { data: terminals, dtype: '|b1' },
    timeouts: { data: timeouts, dtype: '|b1' },
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter((e): e is [string, Hdf5Array] => e[1] !== null));
}

const paths: Record<string, string> = {};
async function fixture(name: string, arrays: Record<string, Hdf5Array>): Promise<void> {
  paths[name] = join(tmp.dir, `${name}.hdf5`);
  await writeHdf5(paths[name], arrays);
}

before(async () => {
  await fixture('dsrl', flatFile());
  await fixture('noCosts', flatFile({ costs: null, 'infos/cost': { data: costs } }));
  await fixture('noNext', flatFile({ next_observations: null }));
  await fixture('shortActions', flatFile({ actions: { data: new Float32Array((N - 1) * 2), shape: [N - 1, 2] } }));
  await fixture('nanObs', flatFile({ observations: { data: obs.map((x, j) => (j === 7 ? Number.NaN : x)), shape: [N, 3] } }));
  await fixture('dictObs', flatFile({ observations: null, 'observations/position': { data: obs, shape: [N, 3] } }));
});

const row = (d: Dataset, key: 'obs' | 'nextObs', i: number) => Array.from(d.transitions[key].subarray(3 * i, 3 * i + 3));

async function assertRejected(run: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(run, (e: unknown) => (e instanceof DatasetError && pattern.test(e.message) ? true : assert.fail(`unexpected error: ${String(e)}`)));
}

describe('import of D4RL / DSRL flat HDF5 files', () => {
  it('maps DSRL arrays onto the schema: constraint = cost > 0, done = terminal, timeouts not done', async () => {
    const d = await importDataset('dsrl', paths.dsrl);
    const t = d.transitions;
    assert.deepEqual([t.size, t.observationSize, t.actionSize], [N, 3, 2]);
    assert.deepEqual(Array.from(t.constraint), [0, 1, 0, 0, 1, 0, 0, 1]);
    assert.deepEqual(Array.from(t.done), [0, 0, 0, 0, 1, 0, 0, 0]);
    assert.deepEqual(row(d, 'obs', 5), [5, 15, 25]);
    assert.deepEqual(row(d, 'nextObs', 5), [105, 115, 125]);
    assert.deepEqual(Array.from(t.action.subarray(2, 4)), [Math.fround(0.2), Math.fround(0.3)]);
    assert.deepEqual(Array.from(t.reward), [1, 0, -1, -2, -3, -4, -5, -6]);
    assert.deepEqual(Array.from(t.envId), new Array(N).fill(0));
    assert.equal(d.meta.domain, 'external');
    assert.equal(d.meta.violations, 3);
    assert.equal(d.meta.policy, 'imported');
    assert.match(d.meta.source, /dsrl import of dsrl\.hdf5/);
  });

  it('derives next_obs from the following row when next_observations is absent, dropping episode ends without a successor', async () => {
    const d = await importDataset('dsrl', paths.noNext);
    const t = d.transitions;
    // Kept: rows 0, 1, 3, 4 (terminal), 5, 6. Dropped: 2 (time limit) and 7 (end of file).
    assert.equal(t.size, 6);
    assert.deepEqual(Array.from({ length: 6 }, (_, j) => row(d, 'obs', j)[0]), [0, 1, 3, 4, 5, 6]);
    assert.deepEqual(Array.from({ length: 6 }, (_, j) => row(d, 'nextObs', j)[0]), [1, 2, 4, 4, 6, 7]);
    assert.deepEqual(Array.from(t.done), [0, 0, 0, 1, 0, 0]);
    assert.deepEqual(Array.from(t.constraint), [0, 1, 0, 1, 0, 0]);
    assert.match(d.meta.notes ?? '', /2 episode-final non-terminal row\(s\) dropped; 1 terminal row\(s\) kept with next_obs = obs/);
  });

  it('needs costs for DSRL, and a cost key for D4RL files without one', async () => {
    await assertRejected(() => importDataset('dsrl', paths.noCosts), /noCosts\.hdf5: no "costs" array, which a DSRL file has/);
    await assertRejected(() => importDataset('d4rl', paths.noCosts), /no "costs" array \(D4RL files carry no cost signal.*give --cost-key/);
    const d = await importDataset('d4rl', paths.noCosts, { costKey: 'infos/cost' });
    assert.deepEqual(Array.from(d.transitions.constraint), [0, 1, 0, 0, 1, 0, 0, 1]);
    assert.match(d.meta.source, /cost from infos\/cost/);
    await assertRejected(() => importDataset('d4rl', paths.noCosts, { costKey: 'infos/nope' }), /no "infos\/nope" in the file .*given as the cost key/);
  });

  it('labels the data with a domain only when the sizes match it', async () => {
    await assertRejected(() => importDataset('dsrl', paths.dsrl, { domain: 'navigation1' }), /has obs 3\/act 2, but navigation1 has obs 2\/act 2/);
  });

  it('names the arrays and shapes that do not fit together', async () => {
    await assertRejected(() => importDataset('dsrl', paths.shortActions), /shape mismatch: observations \[8, 3\], actions \[7, 2\], rewards \[8\].* must all have the same number of rows/);
    await assertRejected(() => importDataset('dsrl', paths.dictObs), /observations is a group \(with position\); expected a numeric array/);
    await assertRejected(() => importDataset('dsrl', paths.nanObs), /row 2: transition obs\[1\] is NaN/);
  });

  it('refuses a file that is missing, not HDF5, or truncated, without HDF5 error dumps', async () => {
    await assertRejected(() => importDataset('dsrl', join(tmp.dir, 'missing.hdf5')), /missing\.hdf5: no such file/);
    const junk = join(tmp.dir, 'junk.hdf5');
    writeFileSync(junk, 'not an hdf5 file at all, just text'.repeat(40));
    await assertRejected(() => importDataset('dsrl', junk), /junk\.hdf5: not an HDF5 file/);
    const truncated = join(tmp.dir, 'truncated.hdf5');
    const bytes = readFileSync(paths.dsrl);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await assertRejected(() => importDataset('dsrl', truncated), /truncated\.hdf5: cannot open as HDF5: truncated file/);
  });
});
