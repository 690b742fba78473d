import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

// Protection changes the whole process for good, so it is checked in a child process.
const script = (moduleUrl: string) => `
import { Worker } from 'node:worker_threads';
import { readdirSync, readlinkSync } from 'node:fs';
import { getPriority } from 'node:os';
import { protectControlThread } from ${JSON.stringify(moduleUrl)};
const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
await new Promise((r) => worker.once('online', r));
const result = protectControlThread();
const self = readlinkSync('/proc/thread-self').split('/').pop();
const nice = Object.fromEntries(readdirSync('/proc/self/task').map((t) => [t, getPriority(Number(t))]));
console.log(JSON.stringify({ result, self, nice }));
await worker.terminate();
`;

describe('protectControlThread', { skip: process.platform !== 'linux' && 'thread priorities are per thread only on Linux' }, () => {
  const protectInChild = (nodeFlags: string[]) => {
    const moduleUrl = new URL('../../runtime/adaptation/control-thread.js', import.meta.url).href;
    const child = spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script(moduleUrl)], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    return JSON.parse(child.stdout) as { result: { lowered: number; singleThreadedGc: boolean }; self: string; nice: Record<string, number> };
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
});
