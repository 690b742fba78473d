/**
 * Write and read times of one Ant-sized dataset file (obs 43, act 8; 400K transitions like a paper
 * training dataset), median of 3 runs each, in a temporary folder that is removed afterwards.
 * Reading includes every check (`readDatasetFile`). Usage: node dist/bench/data/load.js [--size N]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../sim/index.js';
import { makeDataset, readDatasetFile, writeDatasetFile, type Transitions } from '../../training/data/index.js';
import { benchArgs } from '../bench-args.js';

const { size } = benchArgs('Write and read times of one Ant-sized dataset file (obs 43, act 8), median of 3 runs.', {
  size: { default: 400_000, min: 1, help: 'transitions in the file' },
});
const observationSize = 43;
const actionSize = 8;
const runs = 3;

function synthetic(rng: Rng): Transitions {
  const fill = (n: number) => Float32Array.from({ length: n }, () => rng.uniformIn(-1, 1));
  const constraint = Uint8Array.from({ length: size }, () => (rng.uniform() < 0.28 ? 1 : 0));
  return {
    size,
    observationSize,
    actionSize,
    obs: fill(size * observationSize),
    action: fill(size * actionSize),
    reward: fill(size),
    nextObs: fill(size * observationSize),
    constraint,
    done: constraint.slice(),
    envId: new Int32Array(size),
  };
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

function seconds(run: () => void): number {
  const t0 = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const dataset = makeDataset(synthetic(new Rng(1)), {
  domain: 'ant-disabled',
  environments: [{ description: 'synthetic', params: null }],
  policy: 'random',
  source: 'bench/data/load.ts',
});
const dir = mkdtempSync(join(tmpdir(), 'mesa-shield-bench-'));
const path = join(dir, 'train-00.arrow');
try {
  const writes = Array.from({ length: runs }, () => seconds(() => writeDatasetFile(path, dataset)));
  const reads = Array.from({ length: runs }, () =>
    seconds(() => {
      if (readDatasetFile(path).transitions.size !== size) throw new Error('read back a different size');
    }),
  );
  console.log(`command: node dist/bench/data/load.js --size ${size}`);
  console.log(`node ${process.version}, ${process.arch}; ${size} transitions, obs ${observationSize}, act ${actionSize}; file ${(statSync(path).size / 2 ** 20).toFixed(1)} MiB in ${dir}`);
  console.log(`write (atomic, fsync): median ${median(writes).toFixed(3)} s of ${runs} (${writes.map((s) => s.toFixed(3)).join(', ')})`);
  console.log(`read (with all checks): median ${median(reads).toFixed(3)} s of ${runs} (${reads.map((s) => s.toFixed(3)).join(', ')})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
