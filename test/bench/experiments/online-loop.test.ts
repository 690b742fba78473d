import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { riskBatch } from '../../../bench/experiments/online-loop.js';
import { Rng } from '../../../sim/index.js';
import { ReplayBuffer } from '../../../training/data/index.js';

function buffer(safe: number, violating: number): ReplayBuffer {
  const b = new ReplayBuffer(2, 2, 10_000);
  const row = (constraint: 0 | 1) => ({ obs: new Float64Array([0, constraint]), action: new Float64Array(2), reward: 0, nextObs: new Float64Array(2), constraint, done: constraint === 1 });
  for (let i = 0; i < safe; i += 1) b.push(row(0));
  for (let i = 0; i < violating; i += 1) b.push(row(1));
  return b;
}

describe('online risk batches', () => {
  it('puts the asked share of violations into a balanced batch', () => {
    const batch = riskBatch({ buffer: buffer(400, 20), posFraction: 0.02 }, new Rng(0), 256)!;
    assert.equal(batch.constraint.reduce((a, c) => a + c, 0), 5);
  });

  it('waits, without throwing, while the buffer holds too few violations or too few safe transitions', () => {
    assert.equal(riskBatch({ buffer: buffer(400, 4), posFraction: 0.02 }, new Rng(0), 256), null);
    // 300 transitions, but only 250 safe ones for the 251 safe slots of the batch: a robot that crashed early.
    assert.equal(riskBatch({ buffer: buffer(250, 50), posFraction: 0.02 }, new Rng(0), 256), null);
    assert.notEqual(riskBatch({ buffer: buffer(251, 50), posFraction: 0.02 }, new Rng(0), 256), null);
  });

  it('draws uniform batches once the buffer holds more than a batch', () => {
    assert.equal(riskBatch({ buffer: buffer(256, 0), posFraction: null }, new Rng(0), 256), null);
    assert.equal(riskBatch({ buffer: buffer(257, 0), posFraction: null }, new Rng(0), 256)!.constraint.length, 256);
  });
});
