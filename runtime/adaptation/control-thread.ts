import { readdirSync, readlinkSync } from 'node:fs';
import { constants, getPriority, setPriority } from 'node:os';

/** What `protectControlThread` changed in this process, and what it could not. */
export interface ControlThreadProtection {
  /** Threads of this process other than the calling one that now run at the lowest priority. */
  readonly lowered: number;
  /** Node was started with `--single-threaded-gc`: garbage is collected on the thread that made it. */
  readonly singleThreadedGc: boolean;
}

/** The node flag that keeps each thread's garbage collection on that thread. */
export const SINGLE_THREADED_GC = '--single-threaded-gc';

/**
 * Keeps the other threads of this process from taking a core from the calling (control) thread.
 *
 * Measured with the adaptation worker training beside a 1 kHz loop on 2 cores (bench/runtime): the
 * worker itself runs at nice 19, but its garbage collections and wasm compilations run on V8's
 * shared helper threads at the process's priority, and they kept the control thread waiting for a
 * core 199-268 ms per 100 s (3-6 ms without the worker). This gives every other thread that exists now the lowest priority; it is
 * process-wide and not undone, so call it once, from the control thread, in a process that runs a
 * shield. Helper threads that collect garbage at the lowest priority hold up the collections that
 * wait for them, so the process should also run with `--single-threaded-gc`. That flag must be given
 * to node at start: set from inside a running process, it crashed V8 in a concurrent marking.
 *
 * On Linux only, where the nice value is per thread; elsewhere it changes nothing.
 */
export function protectControlThread(): ControlThreadProtection {
  const singleThreadedGc = process.execArgv.includes(SINGLE_THREADED_GC);
  if (process.platform !== 'linux') return { lowered: 0, singleThreadedGc };
  let self: string;
  let threads: string[];
  try {
    self = readlinkSync('/proc/thread-self').split('/').pop()!;
    threads = readdirSync('/proc/self/task');
  } catch {
    return { lowered: 0, singleThreadedGc };
  }
  let lowered = 0;
  for (const name of threads) {
    const tid = Number(name);
    if (name === self || !Number.isSafeInteger(tid)) continue;
    try {
      if (getPriority(tid) < constants.priority.PRIORITY_LOW) setPriority(tid, constants.priority.PRIORITY_LOW);
      lowered += 1;
    } catch {
      // The thread ended between the listing and now.
    }
  }
  return { lowered, singleThreadedGc };
}
