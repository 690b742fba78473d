import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { useTrainingBackend, values } from '../support/tf.js';

describe('training backend', () => {
  before(useTrainingBackend);

  it('multiplies by a reshaped view of a buffer that was already a right operand in another shape', () => {
    const z = tf.tensor2d([1, 10, 100], [3, 1]);
    tf.matMul(tf.ones([7, 3]), z).dispose();
    const v = tf.tensor2d([1, 2, 3, 4, 5, 6, 7], [7, 1]);
    // Stock tfjs-wasm reuses the operator cached for z as a [3, 1] operand here and returns garbage.
    assert.deepEqual(values(tf.matMul(v, tf.reshape(z, [1, 3]))), values(tf.mul(v, tf.tensor2d([1, 10, 100], [1, 3]))));
    const fused = tf.fused.matMul({ a: v, b: tf.reshape(z, [1, 3]), bias: tf.zeros([3]) });
    assert.deepEqual(values(fused), values(tf.mul(v, tf.tensor2d([1, 10, 100], [1, 3]))));
  });

  it('gives the same products with transposed operands as with explicitly transposed ones', () => {
    const a = tf.randomNormal([5, 4], 0, 1, 'float32', 1);
    const b = tf.randomNormal([5, 3], 0, 1, 'float32', 2);
    const expected = values(tf.matMul(tf.transpose(a), b));
    values(tf.matMul(a, b, true, false)).forEach((x, i) => assert.ok(Math.abs(x - expected[i]) < 1e-5));
    const c = tf.randomNormal([3, 4], 0, 1, 'float32', 3);
    const expectedB = values(tf.matMul(a, tf.transpose(c)));
    values(tf.matMul(a, c, false, true)).forEach((x, i) => assert.ok(Math.abs(x - expectedB[i]) < 1e-5));
  });
});
