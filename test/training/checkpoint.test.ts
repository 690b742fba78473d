import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkpointExists, readCheckpoint, writeCheckpoint } from '../../training/checkpoint.js';
import { tempDir } from '../support/datasets.js';

const tmp = tempDir();
after(tmp.remove);
let folders = 0;
const parent = () => {
  const dir = join(tmp.dir, `case-${folders++}`);
  mkdirSync(dir);
  return dir;
};
const checkpoint = (step: number) => ({ meta: { step }, tensors: { w: Float32Array.of(step, step + 0.5) } });
const read = (dir: string) => readCheckpoint<{ step: number }>(dir, (m) => m as { step: number });

describe('checkpoint folders', () => {
  it('replace the previous checkpoint and leave nothing else beside it', () => {
    const p = parent();
    const dir = join(p, 'run.checkpoint');
    writeCheckpoint(dir, checkpoint(1));
    writeCheckpoint(dir, checkpoint(2));
    assert.deepEqual(read(dir).meta, { step: 2 });
    assert.deepEqual(Array.from(read(dir).tensors.w), [2, 2.5]);
    assert.deepEqual(readdirSync(p), ['run.checkpoint']);
  });

  it('clear what a write killed half way left, keeping the checkpoint it was replacing', () => {
    const p = parent();
    const dir = join(p, 'run.checkpoint');
    writeCheckpoint(dir, checkpoint(1));
    mkdirSync(join(p, '.run.checkpoint.tmp'));
    writeFileSync(join(p, '.run.checkpoint.tmp', 'tensors.bin'), 'partial');
    assert.equal(checkpointExists(dir), true);
    assert.deepEqual(read(dir).meta, { step: 1 });
    writeCheckpoint(dir, checkpoint(2));
    assert.deepEqual(read(dir).meta, { step: 2 });
    assert.deepEqual(readdirSync(p), ['run.checkpoint']);
  });

  it('finish a write killed between its two renames: the new checkpoint is found, not lost', () => {
    const p = parent();
    const dir = join(p, 'run.checkpoint');
    writeCheckpoint(dir, checkpoint(1));
    writeCheckpoint(join(p, 'staging'), checkpoint(2));
    renameSync(join(p, 'staging'), join(p, '.run.checkpoint.tmp'));
    renameSync(dir, join(p, '.run.checkpoint.old'));
    assert.equal(existsSync(dir), false);
    assert.equal(checkpointExists(dir), true);
    assert.deepEqual(read(dir).meta, { step: 2 });
    assert.deepEqual(readdirSync(p), ['run.checkpoint']);
  });

  it('say so when there is none', () => {
    assert.equal(checkpointExists(join(parent(), 'run.checkpoint')), false);
  });
});
