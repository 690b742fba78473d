/**
 * The online-adaptation worker thread's entry. A thread starts with its creator's priority and
 * CPUs, here the control thread's: so this thread first takes the lowest priority (and, where the
 * control thread was protected, leaves its CPU), and only then loads the training code, whose
 * import alone took 1-3 s of CPU there (bench/runtime, 2026-12-07: the control thread waited about
 * 1 s for its core at each worker start) and starts threads of its own, which inherit what this
 * thread has by then.
 */
import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import { lowerThreadsBut } from './control-thread.js';
import type { WorkerProtection } from './protocol.js';

/**
 * On Linux, where the nice value and the affinity are per thread. Where the control thread was
 * protected, every thread but that one is lowered and pinned to `cpus` where given; elsewhere only
 * this thread is lowered.
 */
function keepOffControlCore(protection: WorkerProtection | null): void {
  if (process.platform !== 'linux') return;
  if (protection) {
    lowerThreadsBut(protection.controlThread, protection.cpus);
    return;
  }
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isSafeInteger(tid)) setPriority(tid, constants.priority.PRIORITY_LOW);
  } catch {
    // Without /proc the thread keeps the process's priority.
  }
}

keepOffControlCore((workerData as WorkerProtection | null) ?? null);
await import('./candidate-training.js');
