import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';

// Protection changes the whole process for good, so it is checked in a child process.
const script = (moduleUrl: string, controlCpu: number | null) => `
import { Worker } from 'node:worker_threads';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { getPriority } from 'node:os';
import { protectControlThread } from ${JSON.stringify(moduleUrl)};
const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
await new Promise((r) => worker.once('online', r));
let result;
try {
  result = protectControlThread({ controlCpu: ${controlCpu} });
  // Again, as a second adaptation started in the same process does: the same split.
  if (${controlCpu} !== null) result = protectControlThread({ controlCpu: ${controlCpu} });
} catch (e) {
  console.log(JSON.stringify({ error: e.constructor.name + ': ' + e.message }));
  process.exit(0);
}
const self = readlinkSync('/proc/thread-self').split('/').pop();
const tasks = readdirSync('/proc/self/task');
const nice = Object.fromEntries(tasks.map((t) => [t, getPriority(Number(t))]));
const cpus = Object.fromEntries(tasks.map((t) => [t, /Cpus_allowed_list:\\s*(\\S+)/.exec(readFileSync('/proc/self/task/' + t + '/status', 'utf8'))[1]]));
console.log(JSON.stringify({ result, self, nice, cpus }));
await worker.terminate();
`;

describe('protectControlThread', { skip: process.platform !== 'linux' && 'thread priorities are per thread only on Linux' }, () => {
  const protectInChild = (nodeFlags: string[], controlCpu: number | null = null, cpuList?: string) => {
    const moduleUrl = new URL('../../runtime/adaptation/control-thread.js', import.meta.url).href;
    const node = [process.execPath, ...nodeFlags, '--input-type=module', '-e', script(moduleUrl, controlCpu)];
    const [command, ...args] = cpuList ? ['taskset', '--cpu-list', cpuList, ...node] : node;
    const child = spawnSync(command, args, { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    return JSON.parse(child.stdout) as {
      result: { lowered: number; singleThreadedGc: boolean; pinning: { controlCpu: number; otherCpus: number[] } | null };
      self: string;
      nice: Record<string, number>;
      cpus: Record<string, string>;
      error?: string;
    };
  };

  it('lowers every other thread of the process (a worker among them) to nice 19 and keeps the calling thread', () => {
    const { result, self, nice } = protectInChild([]);
    const others = Object.keys(nice).filter((t) => t !== self);
    assert.ok(others.length >= 2, `expected V8's helper threads and the worker, got threads ${Object.keys(nice).join(', ')}`);
    assert.equal(result.lowered, others.length);
    for (const t of others) assert.equal(nice[t], 19, `thread ${t}`);
    assert.equal(nice[self], 0);
  });

  it('reports whether node runs with single-threaded garbage collection, which only a start flag can give', () => {
    assert.equal(protectInChild([]).result.singleThreadedGc, false);
    assert.equal(protectInChild(['--single-threaded-gc']).result.singleThreadedGc, true);
  });

  const twoCpus = availableParallelism() >= 2 && spawnSync('taskset', ['--version']).status === 0;
  it('with a control CPU, pins the calling thread to it and every other thread to the rest of the allowed CPUs', { skip: !twoCpus && 'needs 2 CPUs and util-linux taskset' }, () => {
    const { result, self, cpus } = protectInChild([], 1, '0,1');
    assert.deepEqual(result.pinning, { controlCpu: 1, otherCpus: [0] });
    assert.equal(cpus[self], '1');
    const others = Object.keys(cpus).filter((t) => t !== self);
    assert.ok(others.length >= 2);
    for (const t of others) assert.equal(cpus[t], '0', `thread ${t}`);
  });

  it('refuses a control CPU the process may not run on, or one that leaves the other threads no CPU', { skip: !twoCpus && 'needs 2 CPUs and util-linux taskset' }, () => {
    assert.match(protectInChild([], 1, '0').error ?? '', /ControlThreadError: control_cpu 1 is not among the CPUs this process may run on \(0\)/);
    assert.match(protectInChild([], 0, '0').error ?? '', /ControlThreadError: control_cpu 0 would leave no CPU to the other threads/);
  });
});
