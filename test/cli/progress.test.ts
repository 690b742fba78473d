import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressReporter } from '../../cli/progress.js';

function captureStderr(run: () => void): string {
  const write = process.stderr.write;
  let text = '';
  process.stderr.write = ((chunk: string) => {
    text += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    run();
  } finally {
    process.stderr.write = write;
  }
  return text;
}

test('a resumed job gives no ETA until it has done work in this process', { skip: process.stderr.isTTY }, () => {
  const text = captureStderr(() => {
    const progress = progressReporter('train');
    progress.update(7000, 15000);
  });
  assert.match(text, /^train: 7000\/15000 \| 0 s elapsed\n$/);
});

test('one line per tenth of the work, and one at the end', { skip: process.stderr.isTTY }, () => {
  const text = captureStderr(() => {
    const progress = progressReporter('collect');
    for (let done = 0; done <= 100; done++) progress.update(done, 100, `n ${done}`);
  });
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 11);
  assert.match(lines.at(-1)!, /^collect: 100\/100 \| n 100 \| \d+ s elapsed, ETA 0 s$/);
});
