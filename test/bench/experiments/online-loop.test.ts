import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { riskBatch, violationRecall } from '../../../bench/experiments/online-loop.js';
import { Rng } from '../../../sim/index.js';
import { ReplayBuffer } from '../../../training/data/index.js';
import type { RiskLearner } from '../../../training/risk-learner.js';

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

describe('violation recall', () => {
  // A critic whose risk is the observation's first coordinate.
  const learner = { critic: { risk: (_: tf.Tensor[], obs: tf.Tensor2D) => tf.slice(obs, [0, 0], [-1, 1]) }, criticVars: [] } as unknown as RiskLearner;
  const push = (b: ReplayBuffer, first: number, constraint: 0 | 1) => b.push({ obs: new Float64Array([first, 0]), action: new Float64Array(2), reward: 0, nextObs: new Float64Array(2), constraint, done: constraint === 1 });

  it('is the share of violating transitions whose risk is above eps_risk; safe ones do not count', () => {
    const b = new ReplayBuffer(2, 2, 100);
    for (const first of [0.1, 0.2, 0.5, 0.9]) push(b, first, 1);
    for (let i = 0; i < 10; i++) push(b, 0.9, 0);
    assert.equal(violationRecall({ learner, buffer: b, epsRisk: 0.3 }), 0.5);
    assert.equal(violationRecall({ learner, buffer: b, epsRisk: 0.05 }), 1);
    assert.equal(violationRecall({ learner, buffer: b, epsRisk: 0.95 }), 0);
  });

  it('is null while the buffer holds no violation', () => {
    const b = new ReplayBuffer(2, 2, 100);
    push(b, 0.9, 0);
    assert.equal(violationRecall({ learner, buffer: b, epsRisk: 0.3 }), null);
  });
});
