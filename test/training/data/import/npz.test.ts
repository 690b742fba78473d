import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DatasetError, importDataset } from '../../../../training/data/index.js';
import { tempDir } from '../../../support/datasets.js';
import { npzBytes, type NpyInput } from '../../../support/npy.js';

const tmp = tempDir();
after(tmp.remove);

describe('import of OmniSafe .npz datasets', () => {
  const n = 5;
  const arrays = (over: Record<string, NpyInput | null> = {}): Record<string, NpyInput> => {
    const base: Record<string, NpyInput | null> = {
      obs: { descr: '<f4', shape: [n, 2], data: Float32Array.from({ length: 2 * n }, (_, j) => j) },
      action: { descr: '<f8', shape: [n, 1], data: Float64Array.from({ length: n }, (_, i) => i / 4) },
      reward: { descr: '<f4', shape: [n], data: new Float32Array(n).fill(1) },
      cost: { descr: '<f8', shape: [n], data: Float64Array.from([0, 0.1, 0, 3, 0]) },
      next_obs: { descr: '<f4', shape: [n, 2], data: Float32Array.from({ length: 2 * n }, (_, j) => j + 2) },
      done: { descr: '|b1', shape: [n], data: Uint8Array.from([0, 0, 0, 1, 0]) },
      ...over,
    };
    return Object.fromEntries(Object.entries(base).filter((e): e is [string, NpyInput] => e[1] !== null));
  };
  const write = (name: string, a: Record<string, NpyInput>) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, npzBytes(a));
    return path;
  };
  const rejects = (path: string, pattern: RegExp) =>
    assert.rejects(() => importDataset('npz', path), (e: unknown) => (e instanceof DatasetError && pattern.test(e.message) ? true : assert.fail(`unexpected error: ${String(e)}`)));

  it('maps obs, action, reward, cost, next_obs and done onto the schema', async () => {
    const d = await importDataset('npz', write('ok.npz', arrays()));
    const t = d.transitions;
    assert.deepEqual([t.size, t.observationSize, t.actionSize], [n, 2, 1]);
    assert.deepEqual(Array.from(t.constraint), [0, 1, 0, 1, 0]);
    assert.deepEqual(Array.from(t.done), [0, 0, 0, 1, 0]);
    assert.deepEqual(Array.from(t.obs.subarray(2, 4)), [2, 3]);
    assert.deepEqual(Array.from(t.nextObs.subarray(2, 4)), [4, 5]);
    assert.deepEqual(Array.from(t.action), [0, 0.25, 0.5, 0.75, 1]);
    assert.equal(d.meta.violations, 2);
    assert.equal(d.meta.source, 'npz import of ok.npz');
  });

  it('names missing arrays and the arrays it found', async () => {
    await rejects(write('missing.npz', arrays({ cost: null, done: null })), /missing\.npz: missing array\(s\) cost, done; an OmniSafe \.npz needs .* \(it has: obs\.npy, action\.npy, reward\.npy, next_obs\.npy\)/);
  });

  it('names the arrays whose shapes disagree', async () => {
    await rejects(
      write('shapes.npz', arrays({ reward: { descr: '<f4', shape: [n + 1], data: new Float32Array(n + 1) } })),
      /shape mismatch: obs \[5, 2\], action \[5, 1\], reward \[6\].* must all have the same number of rows/,
    );
    await rejects(
      write('next.npz', arrays({ next_obs: { descr: '<f4', shape: [n, 3], data: new Float32Array(3 * n) } })),
      /shape mismatch: next_obs \[5, 3\] must have the shape of obs \[5, 2\]/,
    );
    await rejects(write('nancost.npz', arrays({ cost: { descr: '<f8', shape: [n], data: Float64Array.from([0, Number.NaN, 0, 0, 0]) } })), /cost holds NaN in row 1/);
  });

  it('refuses a file that is not a zip archive, or an unsupported dtype inside it', async () => {
    const junk = join(tmp.dir, 'junk.npz');
    writeFileSync(junk, 'definitely not a zip archive');
    await rejects(junk, /junk\.npz: not a readable \.npz \(zip\) archive/);
    await rejects(write('dtype.npz', arrays({ reward: { descr: '<f2', shape: [n], data: new Uint16Array(n) } })), /dtype\.npz: reward\.npy: unsupported dtype '<f2'/);
    await assert.rejects(() => importDataset('npz', junk, { costKey: 'x' }), /--cost-key does not apply to npz/);
  });
});
