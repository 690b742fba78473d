import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Rng } from '../../sim/index.js';
import { SafetyCritic, criticLoss, riskTarget, type TensorBatch } from '../../training/critic.js';
import { denseForward } from '../../training/nn/dense-stack.js';
import { useTrainingBackend, values } from '../support/tf.js';

function batchOf(rows: { s: number[]; a: number[]; s2: number[]; c: number; done: number }[]): TensorBatch {
  return {
    obs: tf.tensor2d(rows.map((r) => r.s)),
    action: tf.tensor2d(rows.map((r) => r.a)),
    nextObs: tf.tensor2d(rows.map((r) => r.s2)),
    constraint: tf.tensor2d(rows.map((r) => [r.c])),
    mask: tf.tensor2d(rows.map((r) => [1 - r.done])),
  };
}

describe('safety critic', () => {
  before(useTrainingBackend);

  it('computes the Bellman target y = c + mask * gamma * Q(s\', a\') and the twin-head squared error', () => {
    const critic = new SafetyCritic('twin-mlp', 2, 1, { hidden: [3] });
    const zeros = critic.shapes.map((s) => tf.zeros([...s]));
    const batch = batchOf([
      { s: [0, 0], a: [0], s2: [1, 1], c: 0, done: 0 },
      { s: [0, 0], a: [0], s2: [1, 1], c: 1, done: 1 },
    ]);
    // All-zero weights: every head outputs sigmoid(0) = 0.5.
    const y = riskTarget(critic, zeros, batch, tf.zeros([2, 1]), 0.8);
    assert.deepEqual(values(y).map((v) => +v.toFixed(6)), [0.4, 1]);
    const loss = criticLoss(critic, zeros, batch, y).dataSync()[0];
    assert.ok(Math.abs(loss - 2 * ((0.5 - 0.4) ** 2 + (0.5 - 1) ** 2) / 2) < 1e-6, `loss ${loss}`);
  });

  it('uses the larger head as the risk', () => {
    const critic = new SafetyCritic('twin-mlp', 1, 1, { hidden: [2] });
    const params = critic.shapes.map((s, i) => (i === critic.shapes.length - 1 ? tf.fill([...s], 2) : tf.zeros([...s])));
    const r = critic.risk(params, tf.tensor2d([[0]]), tf.tensor2d([[0]]));
    assert.ok(Math.abs(r.dataSync()[0] - 1 / (1 + Math.exp(-2))) < 1e-6);
  });

  for (const architecture of ['twin-mlp', 'weight-transform', 'mlp'] as const) {
    it(`folds the ${architecture} critic into dense layers that give the same risk`, () => {
      const critic = new SafetyCritic(architecture, 3, 2, { hidden: [8, 8], latent: 5 });
      const init = critic.init(new Rng(3));
      const params = init.map((v, i) => tf.tensor(v, [...critic.shapes[i]]));
      const s = [0.3, -1.2, 2], a = [0.5, -0.25];
      const tfRisk = critic.risk(params, tf.tensor2d([s]), tf.tensor2d([a])).dataSync()[0];
      const folded = Math.max(...critic.fold(init).map((head) => denseForward(head, [...s, ...a])[0]));
      assert.ok(Math.abs(tfRisk - folded) < 1e-5, `${tfRisk} vs ${folded}`);
    });
  }

  it('has the reference parameter counts (2 x 256 twin; ~2.1M weight-transform for navigation)', () => {
    const count = (c: SafetyCritic) => c.shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
    assert.equal(count(new SafetyCritic('twin-mlp', 2, 2)), 2 * (4 * 256 + 256 + 256 * 256 + 256 + 256 + 1));
    const wt = count(new SafetyCritic('weight-transform', 2, 2));
    assert.ok(wt > 2.09e6 && wt < 2.12e6, `${wt}`);
  });
});
