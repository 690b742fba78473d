import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  DatasetError,
  MANIFEST_FILE,
  loadDatasetDir,
  loadTestDataset,
  writeDatasetDir,
  writeDatasetFile,
  type DatasetManifest,
} from '../../../training/data/index.js';
import { randomDataset, tempDir } from '../../support/datasets.js';

const tmp = tempDir();
after(tmp.remove);
let dirCount = 0;

function writeFolder(): string {
  const dir = join(tmp.dir, `set${dirCount++}`);
  writeDatasetDir(dir, {
    domain: 'navigation1',
    seed: 7,
    train: [0, 1, 2].map((i) => randomDataset(10 + i, 40 + i, { domain: 'navigation1', obs: 2, act: 2 })),
    test: randomDataset(20, 12, { domain: 'navigation1', obs: 2, act: 2 }),
  });
  return dir;
}

function editManifest(dir: string, edit: (m: DatasetManifest) => unknown): void {
  const path = join(dir, MANIFEST_FILE);
  writeFileSync(path, JSON.stringify(edit(JSON.parse(readFileSync(path, 'utf8')) as DatasetManifest)));
}

function assertRejected(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (e: unknown) => e instanceof DatasetError && pattern.test(e.message) ? true : assert.fail(`unexpected error: ${String(e)}`));
}

describe('dataset folders', () => {
  it('write train-NN.arrow files, test.arrow and a manifest, and load them all back', () => {
    const dir = writeFolder();
    assert.deepEqual(readdirSync(dir).sort(), ['manifest.json', 'test.arrow', 'train-00.arrow', 'train-01.arrow', 'train-02.arrow']);
    const c = loadDatasetDir(dir);
    assert.equal(c.manifest.domain, 'navigation1');
    assert.equal(c.manifest.seed, 7);
    assert.deepEqual(c.manifest.train, ['train-00.arrow', 'train-01.arrow', 'train-02.arrow']);
    assert.deepEqual(c.train.map((d) => d.meta.size), [40, 41, 42]);
    assert.equal(c.test.meta.size, 12);
    assert.deepEqual(Array.from(c.train[1].transitions.obs), Array.from(randomDataset(11, 41, { obs: 2, act: 2 }).transitions.obs));
  });

  it('refuse a folder without a manifest (never written, or cut short)', () => {
    const dir = writeFolder();
    rmSync(join(dir, MANIFEST_FILE));
    assertRejected(() => loadDatasetDir(dir), /no manifest\.json: not a dataset folder, or its writing did not finish/);
  });

  it('name a missing dataset file', () => {
    const dir = writeFolder();
    rmSync(join(dir, 'train-01.arrow'));
    assertRejected(() => loadDatasetDir(dir), /train-01\.arrow: no such file/);
  });

  it('name the key of an invalid manifest', () => {
    const dir = writeFolder();
    editManifest(dir, (m) => ({ ...m, seed: 'seven', train: ['../elsewhere.arrow'] }));
    assertRejected(() => loadDatasetDir(dir), /manifest\.json: invalid manifest: seed: .*; train\.0: expected a plain file name/);
  });

  it('refuse a file of another domain than the manifest says', () => {
    const dir = writeFolder();
    writeDatasetFile(join(dir, 'train-02.arrow'), randomDataset(3, 10, { domain: 'navigation2', obs: 2, act: 2 }));
    assertRejected(() => loadDatasetDir(dir), /train-02\.arrow: training dataset of domain navigation2, but .*manifest\.json says navigation1/);
  });

  it('refuse files whose sizes differ', () => {
    const dir = join(tmp.dir, `set${dirCount++}`);
    writeDatasetDir(dir, { domain: 'external', seed: 0, train: [randomDataset(1, 5)], test: randomDataset(2, 5) });
    writeDatasetFile(join(dir, 'test.arrow'), randomDataset(2, 5, { obs: 4 }));
    assertRejected(() => loadDatasetDir(dir), /test\.arrow: obs 4\/act 2, but .*train-00\.arrow has obs 3\/act 2/);
  });

  it('refuse to write a dataset into a folder of another domain', () => {
    assertRejected(
      () => writeDatasetDir(join(tmp.dir, 'mixed'), { domain: 'navigation1', seed: 0, train: [randomDataset(1, 5, { domain: 'navigation2', obs: 2 })], test: randomDataset(2, 5, { domain: 'navigation1', obs: 2 }) }),
      /a dataset of domain navigation2 in a navigation1 folder/,
    );
  });

  it('load one file as a test dataset, checking what the caller expects', () => {
    const dir = writeFolder();
    const path = join(dir, 'test.arrow');
    assert.equal(loadTestDataset(path, { domain: 'navigation1', observationSize: 2, actionSize: 2 }).meta.size, 12);
    assertRejected(() => loadTestDataset(path, { domain: 'navigation2' }), /test\.arrow: a dataset of domain navigation1; expected navigation2/);
    assertRejected(() => loadTestDataset(path, { actionSize: 3 }), /action size 2; expected 3/);
  });
});
