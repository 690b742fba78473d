import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runChildPool } from '../../../bench/experiments/child-pool.js';

/** A child that logs its start and end to `log`, sleeps, and exits with `code`. */
const child = (log: string, name: string, ms: number, code = 0) => [
  '-e',
  `const fs = require('fs'); fs.appendFileSync(${JSON.stringify(log)}, '+${name}\\n'); process.on('SIGINT', () => process.exit(130)); setTimeout(() => { fs.appendFileSync(${JSON.stringify(log)}, '-${name}\\n'); process.exit(${code}); }, ${ms});`,
];

describe('child pool (experiments --jobs)', () => {
  it('starts every child in a process group of its own, so a terminal\'s Ctrl-C reaches it only through the pool (Linux)', { skip: process.platform !== 'linux' }, async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'mesa-pool-')), 'log');
    // Field 5 of /proc/self/stat is the process group; a group of its own has the child's pid.
    const report = `const f = require('fs').readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' '); require('fs').appendFileSync(${JSON.stringify(log)}, process.pid + ' ' + f[2] + '\\n');`;
    assert.deepEqual(await runChildPool([['-e', report], ['-e', report]], 2), [0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(lines.length, 2);
    for (const line of lines) {
      const [pid, group] = line.split(' ');
      assert.equal(group, pid, 'the child leads its own process group');
    }
  });

  it('runs at most `jobs` children at a time and returns every exit code in order', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'mesa-pool-')), 'log');
    const codes = await runChildPool([child(log, 'a', 300), child(log, 'b', 300, 3), child(log, 'c', 300), child(log, 'd', 10)], 2);
    assert.deepEqual(codes, [0, 3, 0, 0]);
    let running = 0;
    let most = 0;
    for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
      running += line.startsWith('+') ? 1 : -1;
      most = Math.max(most, running);
    }
    assert.equal(most, 2);
  });

  it('on abort interrupts the running children and starts no more', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'mesa-pool-')), 'log');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    const codes = await runChildPool([child(log, 'a', 20_000), child(log, 'b', 20_000)], 1, controller.signal);
    assert.deepEqual(codes, [130, null]);
  });
});
