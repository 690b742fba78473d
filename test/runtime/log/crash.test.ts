import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { McapIndexedReader } from '@mcap/core';
import { FileHandleReadable } from '@mcap/nodejs';
import { inspectLog, readTransitionLog } from '../../../runtime/log/index.js';
import { packageRoot } from '../../../sim/index.js';
import { tempDir } from '../../support/datasets.js';
import { plain, tick } from '../../support/ticks.js';

const tmp = tempDir();
after(tmp.remove);
const child = join(packageRoot(), 'dist', 'test', 'support', 'transition-log-child.js');
const logFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.mcap')).map((f) => join(dir, f));

/** Runs the logging child until it has reported at least `records` records written, then kills it with SIGKILL. */
function killWhenWritten(dir: string, records: number): Promise<{ lastReported: number; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dir, 'run'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lastReported = 0;
    let buffered = '';
    const timeout = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (text: string) => {
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) lastReported = Math.max(lastReported, Number(/^written (\d+)$/.exec(line)?.[1] ?? 0));
      if (lastReported >= records && !proc.killed) proc.kill('SIGKILL');
    });
    proc.on('error', reject);
    proc.on('exit', (_code, signal) => {
      clearTimeout(timeout);
      resolve({ lastReported, signal });
    });
  });
}

describe('a transition log survives its process', () => {
  it('SIGKILL mid-run: the file opens and holds every record up to the last flushed chunk', async () => {
    const dir = join(tmp.dir, 'killed');
    const { lastReported, signal } = await killWhenWritten(dir, 3000);
    assert.equal(signal, 'SIGKILL');
    const [file] = logFiles(dir);
    const handle = await open(file, 'r');
    await assert.rejects(McapIndexedReader.Initialize({ readable: new FileHandleReadable(handle) }), 'no footer: the indexed reader alone cannot open it');
    await handle.close();

    const log = await readTransitionLog(file);
    assert.equal(log.scan.complete, false);
    assert.equal(log.scan.damage, null, 'a cut-off chunk is incomplete, not damaged');
    assert.ok(log.records.length >= lastReported, `${log.records.length} records read, ${lastReported} reported written before the kill`);
    assert.deepEqual(log.records.map(plain), Array.from({ length: log.records.length }, (_, i) => plain(tick(i))), 'a gapless prefix of what was logged');

    const summary = await inspectLog(file);
    assert.equal(summary.closedCleanly, false);
    assert.equal(summary.shield?.ticks, log.records.length);
  });

  it('a process that exits without close() still leaves a closed file', () => {
    const dir = join(tmp.dir, 'exited');
    const r = spawnSync(process.execPath, [child, dir, 'exit', '1234'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [file] = logFiles(dir);
    return readTransitionLog(file).then((log) => {
      assert.equal(log.scan.complete, true);
      assert.equal(log.records.length, 1234);
    });
  });
});
