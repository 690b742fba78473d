import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { getDomain } from '../../sim/index.js';
import { MANIFEST_FILE, TEST_FILE, readDatasetFile, trainFileNames, writeDatasetFile, writeDatasetManifest, type DatasetManifest } from '../data/index.js';
import { collect, collectionPlan, type CollectOptions, type DatasetRole, type DatasetStore } from './collect.js';
import type { FromCollectWorker, ToCollectWorker, WorkerCollectOptions } from './collect-worker.js';

export const HELD_OUT_FILE = 'held-out.arrow';

export interface FolderOptions {
  /** Keep datasets an earlier run of the same command (same source text and size) already finished. */
  readonly resume?: boolean;
  /** Build this many training datasets at a time, each in its own worker thread (default 1). */
  readonly jobs?: number;
}

/** A dataset folder as a `DatasetStore`; `reuse` says for which roles finished files are picked up. */
export function folderStore(dir: string, trainCount: number, reuse: (role: DatasetRole) => boolean): DatasetStore {
  const names = trainFileNames(trainCount);
  const pathOf = (role: DatasetRole, index: number) => join(dir, role === 'train' ? names[index] : role === 'test' ? TEST_FILE : HELD_OUT_FILE);
  return {
    reuse(role, index, source, size) {
      const path = pathOf(role, index);
      if (!reuse(role) || !existsSync(path)) return null;
      const d = readDatasetFile(path);
      return d.meta.source === source && d.meta.size === size ? d : null;
    },
    save: (role, index, dataset) => writeDatasetFile(pathOf(role, index), dataset),
  };
}

/**
 * Collects into a dataset folder, writing each dataset as soon as it is complete and the manifest
 * last, so an interrupted long collection (SAC runs) continues where it stopped with `resume`.
 * With `jobs` > 1 the training datasets are built in worker threads first; every dataset has its own
 * random stream, so the folder is the same as a one-job collection's.
 */
export async function collectToFolder(dir: string, options: CollectOptions, folder: FolderOptions = {}): Promise<DatasetManifest & { heldOut: string | null }> {
  const jobs = folder.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`jobs must be a whole number >= 1, not ${jobs}`);
  if (options.testOnly) throw new Error('a dataset folder holds every dataset: for the test data alone use collectTestToFolder');
  mkdirSync(dir, { recursive: true });
  // Until the new manifest is written, the folder must not pass for a complete collection.
  rmSync(join(dir, MANIFEST_FILE), { force: true });
  const resume = folder.resume === true;
  const plan = collectionPlan(options, folderStore(dir, trainCountOf(options), () => resume));
  // Datasets are written as they are built and not kept: locomotion's add up to gigabytes.
  if (jobs > 1) await collectTrainingInWorkers(dir, options, plan.envCount, resume, jobs);
  else for (let i = 0; i < plan.envCount; i++) await plan.train(i);
  await plan.test();
  const heldOut = await plan.heldOut();
  const manifest = writeDatasetManifest(dir, { domain: options.domain, seed: options.seed, trainCount: plan.envCount });
  return { ...manifest, heldOut: heldOut ? HELD_OUT_FILE : null };
}

/**
 * Only the test dataset (and held-out data) of a collection, identical to a full collection's,
 * written as `test.arrow` (and `held-out.arrow`) without a manifest: for adapting on a smaller
 * D_test (`--test-size`) without rebuilding the training datasets. Returns the files written.
 */
export async function collectTestToFolder(dir: string, options: CollectOptions): Promise<string[]> {
  if (existsSync(join(dir, MANIFEST_FILE))) throw new Error(`${dir} holds a full collection: write the test data to another folder, so that its D_test stays the one its bundles were trained with`);
  mkdirSync(dir, { recursive: true });
  const { heldOut } = await collect({ ...options, testOnly: true }, folderStore(dir, trainCountOf(options), () => false));
  return [join(dir, TEST_FILE), ...(heldOut ? [join(dir, HELD_OUT_FILE)] : [])];
}

function trainCountOf(options: CollectOptions): number {
  return options.envs ?? getDomain(options.domain).trainEnvCount;
}

async function collectTrainingInWorkers(dir: string, options: CollectOptions, count: number, resume: boolean, jobs: number): Promise<void> {
  if (options.sac) throw new Error('a custom SAC collector cannot run in worker threads: collect with jobs = 1');
  const { onProgress, sac: _sac, ...rest } = options;
  const plain: WorkerCollectOptions = rest;
  const shares = Array.from({ length: Math.min(jobs, count) }, (_, w) => Array.from({ length: count }, (_, i) => i).filter((i) => i % jobs === w));
  const workers = shares.map((indices) => new Worker(new URL('./collect-worker.js', import.meta.url), { workerData: { dir, options: plain, trainCount: count, resume, indices } satisfies ToCollectWorker }));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.on('message', (m: FromCollectWorker) => {
              if (m.type === 'progress') onProgress?.('train', m.index, m.transitions, m.of);
              else if (m.type === 'error') reject(Object.assign(new Error(m.message), m.stack ? { stack: m.stack } : {}));
            });
            worker.on('error', reject);
            worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a collection worker exited with code ${code}`))));
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
