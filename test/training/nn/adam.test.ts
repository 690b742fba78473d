import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { adam } from '../../../training/nn/adam.js';
import { useTrainingBackend, values } from '../../support/tf.js';

/** PyTorch's Adam in float64 for one tensor. */
function referenceAdam(p: number[], grads: number[][], lr: number): number[] {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const out = [...p];
  grads.forEach((g, t) => {
    for (let i = 0; i < out.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const mHat = m[i] / (1 - b1 ** (t + 1));
      const vHat = v[i] / (1 - b2 ** (t + 1));
      out[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  });
  return out;
}

describe('Adam', () => {
  before(useTrainingBackend);

  it('follows PyTorch\'s update rule over several steps, also when the variable\'s buffer is shared', () => {
    const start = [0.5, -1.5, 2, 0.001];
    const grads = [
      [0.1, -0.2, 3, 0],
      [0.3, 0.2, -1, 1e-4],
      [-0.5, 0.1, 0.5, 2],
    ];
    const inPlace = tf.variable(tf.tensor1d(start));
    const shared = tf.variable(tf.tensor1d(start));
    const frozen = shared.clone();
    const [a, b] = [adam(0.01), adam(0.01)];
    for (const g of grads) {
      a.apply([inPlace], [tf.tensor1d(g)]);
      b.apply([shared], [tf.tensor1d(g)]);
    }
    const expected = referenceAdam(start, grads, 0.01);
    for (const v of [inPlace, shared]) values(v).forEach((x, i) => assert.ok(Math.abs(x - expected[i]) < 1e-6, `${x} vs ${expected[i]}`));
    assert.deepEqual(values(frozen), Array.from(Float32Array.from(start)), 'a clone keeps the values it had');
  });

  it('updates weights that a matMul forward pass then sees (no stale packed weights)', () => {
    const w = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
    const x = tf.tensor2d([[1, 1]]);
    const forward = () => values(tf.fused.matMul({ a: x, b: w, activation: 'relu' }));
    assert.deepEqual(forward(), [4, 6]);
    adam(0.5).apply([w], [tf.ones([2, 2])]);
    const expected = [[0.5, 1.5], [2.5, 3.5]].reduce((acc, row) => acc.map((a, j) => a + row[j]), [0, 0]);
    forward().forEach((y, j) => assert.ok(Math.abs(y - expected[j]) < 1e-5, `${y} vs ${expected[j]}`));
  });

  it('refuses a gradient of the wrong size', () => {
    const v = tf.variable(tf.zeros([3]));
    assert.throws(() => adam(0.1).apply([v], [tf.zeros([4])]), /gradient 0 has 4 values, expected 3/);
  });
});
