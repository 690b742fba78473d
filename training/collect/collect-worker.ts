/** Builds some of a collection's training datasets into its folder (see `collectToFolder`'s jobs). */
import { parentPort, workerData } from 'node:worker_threads';
import { collectTrainingDatasets, type CollectOptions } from './collect.js';
import { folderStore } from './collect-folder.js';

/** The options a worker can receive: everything but functions. */
export type WorkerCollectOptions = Omit<CollectOptions, 'sac' | 'onProgress'>;

export interface ToCollectWorker {
  readonly dir: string;
  readonly options: WorkerCollectOptions;
  readonly trainCount: number;
  readonly resume: boolean;
  readonly indices: readonly number[];
}

export type FromCollectWorker =
  | { readonly type: 'progress'; readonly index: number; readonly transitions: number; readonly of: number }
  | { readonly type: 'error'; readonly message: string; readonly stack: string | undefined };

if (parentPort) {
  const port = parentPort;
  const job = workerData as ToCollectWorker;
  const post = (m: FromCollectWorker) => port.postMessage(m);
  const store = folderStore(job.dir, job.trainCount, () => job.resume);
  collectTrainingDatasets({ ...job.options, onProgress: (_role, index, transitions, of) => post({ type: 'progress', index, transitions, of }) }, job.indices, store).catch((e: unknown) => {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined });
    process.exitCode = 1;
  });
}
