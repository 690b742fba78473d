import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { constants, getPriority, setPriority } from 'node:os';

/** What `protectControlThread` changed in this process, and what it could not. */
export interface ControlThreadProtection {
  /** Threads of this process other than the calling one that now run at the lowest priority. */
  readonly lowered: number;
  /** Node was started with `--single-threaded-gc`: garbage is collected on the thread that made it. */
  readonly singleThreadedGc: boolean;
  /** The protected thread's id (Linux; null elsewhere). */
  readonly controlThread: number | null;
  /** With `controlCpu`: the CPU the calling thread is pinned to, and the CPUs every other thread is pinned to. */
  readonly pinning: { readonly controlCpu: number; readonly otherCpus: readonly number[] } | null;
}

export class ControlThreadError extends Error {}

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
 * With `controlCpu` it also pins the calling thread to that CPU and every other thread to the rest
 * of the process's CPUs, so that neither the worker nor its helpers ever run there; keeping the
 * machine's other tasks off that CPU is the operator's part (`isolcpus`, a cpuset). Why: on a 2-core
 * VM, lowering alone left 8,472 missed ticks per 10^6 with the worker against 510 without
 * (bench/runtime --rows adaptation, 2026-12-07); the README's "Online adaptation" has what pinning
 * changed there, which is not yet enough.
 *
 * On Linux only, where the nice value and the affinity are per thread; elsewhere it changes nothing
 * (and refuses a `controlCpu`).
 */
export function protectControlThread(options: { controlCpu?: number | null } = {}): ControlThreadProtection {
  const singleThreadedGc = process.execArgv.includes(SINGLE_THREADED_GC);
  const controlCpu = options.controlCpu ?? null;
  if (process.platform !== 'linux') {
    if (controlCpu !== null) throw new ControlThreadError('control_cpu pins threads to CPUs, which only works on Linux');
    return { lowered: 0, singleThreadedGc, controlThread: null, pinning: null };
  }
  let self: string;
  let threads: string[];
  try {
    self = readlinkSync('/proc/thread-self').split('/').pop()!;
    threads = readdirSync('/proc/self/task');
  } catch {
    if (controlCpu !== null) throw new ControlThreadError('control_cpu needs /proc to find the threads to pin');
    return { lowered: 0, singleThreadedGc, controlThread: null, pinning: null };
  }
  const pinning = controlCpu === null ? null : { controlCpu, otherCpus: cpusBesides(controlCpu) };
  if (pinning) pinThread(Number(self), [pinning.controlCpu]);
  const lowered = lowerThreadsBut(Number(self), pinning?.otherCpus ?? null, threads);
  return { lowered, singleThreadedGc, controlThread: Number(self), pinning };
}

/**
 * Gives every listed thread but `controlThread` the lowest priority and, with `cpus`, pins it to
 * them; returns how many it changed. Threads that end meanwhile are skipped.
 */
export function lowerThreadsBut(controlThread: number, cpus: readonly number[] | null, threads: readonly string[] = readdirSync('/proc/self/task')): number {
  let lowered = 0;
  for (const name of threads) {
    const tid = Number(name);
    if (tid === controlThread || !Number.isSafeInteger(tid)) continue;
    try {
      if (getPriority(tid) < constants.priority.PRIORITY_LOW) setPriority(tid, constants.priority.PRIORITY_LOW);
      if (cpus) pinThread(tid, cpus, true);
      lowered += 1;
    } catch (e) {
      if (e instanceof ControlThreadError) throw e;
      // The thread ended between the listing and now.
    }
  }
  return lowered;
}

/**
 * The CPUs this process may run on: the union of its threads' affinities (a cpuset or `taskset` may
 * have narrowed them; an earlier protection split them between the control thread and the rest).
 */
export function allowedCpus(): number[] {
  const cpus = new Set<number>();
  for (const tid of readdirSync('/proc/self/task')) {
    let status: string;
    try {
      status = readFileSync(`/proc/self/task/${tid}/status`, 'utf8');
    } catch {
      continue; // The thread ended meanwhile.
    }
    const line = /^Cpus_allowed_list:\s*(\S+)$/m.exec(status);
    if (!line) throw new ControlThreadError(`/proc/self/task/${tid}/status has no Cpus_allowed_list`);
    for (const range of line[1].split(',')) {
      const [from, to = from] = range.split('-').map(Number);
      for (let c = from; c <= to; c++) cpus.add(c);
    }
  }
  return [...cpus].sort((x, y) => x - y);
}

/** The CPUs left to every thread but the control thread; refuses a control CPU the process may not use. */
function cpusBesides(controlCpu: number): number[] {
  const allowed = allowedCpus();
  if (!allowed.includes(controlCpu)) throw new ControlThreadError(`control_cpu ${controlCpu} is not among the CPUs this process may run on (${allowed.join(', ')})`);
  const others = allowed.filter((c) => c !== controlCpu);
  if (others.length === 0) throw new ControlThreadError(`control_cpu ${controlCpu} would leave no CPU to the other threads: this process may run on CPU ${controlCpu} only`);
  return others;
}

/**
 * Sets thread `tid`'s CPU affinity with util-linux's `taskset` (node has no call for it). A thread
 * that ended meanwhile is skipped when `mayHaveEnded`; any other failure is a ControlThreadError.
 */
export function pinThread(tid: number, cpus: readonly number[], mayHaveEnded = false): void {
  const run = spawnSync('taskset', ['--pid', '--cpu-list', cpus.join(','), String(tid)], { encoding: 'utf8' });
  if (run.error) throw new ControlThreadError(`control_cpu needs util-linux's taskset, which could not run: ${run.error.message}`);
  if (run.status === 0) return;
  if (mayHaveEnded && !existsThread(tid)) return;
  throw new ControlThreadError(`taskset could not pin thread ${tid} to CPUs ${cpus.join(',')}: ${run.stderr.trim() || `exit status ${run.status}`}`);
}

function existsThread(tid: number): boolean {
  try {
    readlinkSync(`/proc/self/task/${tid}/exe`);
    return true;
  } catch {
    return false;
  }
}
