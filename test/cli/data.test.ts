import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IMPORT_FORMATS, readDatasetFile, writeDatasetDir } from '../../training/data/index.js';
import { runCli } from '../support/cli.js';
import { randomDataset, tempDir } from '../support/datasets.js';
import { writeHdf5 } from '../support/hdf5.js';
import { npzBytes } from '../support/npy.js';

const tmp = tempDir();
after(tmp.remove);
const at = (name: string) => join(tmp.dir, name);

before(async () => {
  const n = 6;
  writeFileSync(
    at('omnisafe.npz'),
    npzBytes({
      obs: { descr: '<f4', shape: [n, 2], data: Float32Array.from({ length: 2 * n }, (_, j) => j) },
      action: { descr: '<f4', shape: [n, 2], data: new Float32Array(2 * n).fill(0.5) },
      reward: { descr: '<f4', shape: [n], data: new Float32Array(n) },
      cost: { descr: '<f4', shape: [n], data: Float32Array.from([0, 1, 0, 0, 1, 1]) },
      next_obs: { descr: '<f4', shape: [n, 2], data: Float32Array.from({ length: 2 * n }, (_, j) => j + 2) },
      done: { descr: '|b1', shape: [n], data: Uint8Array.from([0, 1, 0, 0, 0, 1]) },
    }),
  );
  await writeHdf5(at('d4rl.hdf5'), {
    observations: { data: new Float32Array(8), shape: [4, 2] },
    actions: { data: new Float32Array(4), shape: [4, 1] },
    rewards: { data: new Float32Array(4) },
    terminals: { data: new Uint8Array(4), dtype: '|b1' },
  });
  writeDatasetDir(at('folder'), {
    domain: 'navigation2',
    seed: 3,
    train: [randomDataset(1, 30, { domain: 'navigation2', obs: 2, envCount: 2 }), randomDataset(2, 20, { domain: 'navigation2', obs: 2 })],
    test: randomDataset(3, 10, { domain: 'navigation2', obs: 2 }),
  });
});

describe('mesa-shield import and data inspect', () => {
  it('have --help', () => {
    for (const args of [['import'], ['data'], ['data', 'inspect']]) {
      const r = runCli([...args, '--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Usage: mesa-shield/);
    }
    const formats = /choices: ([^)]*)\)/.exec(runCli(['import', '--help']).stdout.replace(/\s+/g, ' '))?.[1];
    assert.equal(formats, IMPORT_FORMATS.map((f) => `"${f}"`).join(', '));
  });

  it('import an OmniSafe .npz as a navigation dataset and report its counts', () => {
    const r = runCli(['import', '--format', 'npz', at('omnisafe.npz'), '--out', at('imported.arrow'), '--domain', 'navigation1']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /6 transitions, 3 violations \(50\.00%\), obs size 2, action size 2, domain navigation1/);
    const d = readDatasetFile(at('imported.arrow'));
    assert.deepEqual(Array.from(d.transitions.constraint), [0, 1, 0, 0, 1, 1]);
    assert.equal(d.meta.domain, 'navigation1');
  });

  it('inspect a file: metadata, share of violations and counts per environment', () => {
    const ok = runCli(['import', '--format', 'npz', at('omnisafe.npz'), '--out', at('inspect-me.arrow')]);
    assert.equal(ok.status, 0, ok.stderr);
    const r = runCli(['data', 'inspect', at('inspect-me.arrow')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /domain +external/);
    assert.match(r.stdout, /violations +3 \(50\.00% of transitions\)/);
    assert.match(r.stdout, /source +npz import of omnisafe\.npz/);
    assert.match(r.stdout, /0 +omnisafe\.npz \(npz\) +6 +3 +50\.00%/);
    const json = JSON.parse(runCli(['data', 'inspect', at('inspect-me.arrow'), '--json']).stdout);
    assert.deepEqual(json.counts, { size: 6, violations: 3, violationShare: 0.5, environments: [{ envId: 0, description: 'omnisafe.npz (npz)', size: 6, violations: 3 }] });
  });

  it('inspect a dataset folder: every file with its counts', () => {
    const r = runCli(['data', 'inspect', at('folder')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /domain navigation2, seed 3, 2 training dataset\(s\)/);
    assert.match(r.stdout, /train-00\.arrow +train +30 /);
    assert.match(r.stdout, /test\.arrow +test +10 /);
    const json = JSON.parse(runCli(['data', 'inspect', at('folder'), '--json']).stdout);
    assert.deepEqual(json.files.map((f: { file: string }) => f.file), ['train-00.arrow', 'train-01.arrow', 'test.arrow']);
    assert.deepEqual(json.files[0].counts.environments.map((e: { size: number }) => e.size), [15, 15]);
  });

  it('fail with exit code 2 and one message on a bad file', () => {
    writeFileSync(at('junk.npz'), 'not a zip');
    const bad = runCli(['import', '--format', 'npz', at('junk.npz'), '--out', at('never.arrow')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^mesa-shield: .*junk\.npz: not a readable \.npz \(zip\) archive/);

    const bytes = readFileSync(at('folder/train-01.arrow'));
    writeFileSync(at('truncated.arrow'), bytes.subarray(0, bytes.length >> 1));
    const truncated = runCli(['data', 'inspect', at('truncated.arrow')]);
    assert.equal(truncated.status, 2);
    assert.equal(truncated.stderr.trim().split('\n').length, 1, truncated.stderr);
    assert.match(truncated.stderr, /^mesa-shield: .*truncated\.arrow: not an Arrow IPC file, or truncated/);

    const noCost = runCli(['import', '--format', 'd4rl', at('d4rl.hdf5'), '--out', at('never.arrow')]);
    assert.equal(noCost.status, 2);
    assert.match(noCost.stderr, /give --cost-key/);
    assert.doesNotMatch(noCost.stderr, /HDF5-DIAG/);
  });
});
