import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { matVec, outer, vecMat } from '../../../training/nn/ops.js';
import { useTrainingBackend, values } from '../../support/tf.js';

function assertClose(actual: tf.Tensor, expected: tf.Tensor, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, what);
  const [a, e] = [values(actual), values(expected)];
  const scale = Math.max(1, ...e.map(Math.abs));
  a.forEach((x, i) => assert.ok(Math.abs(x - e[i]) < 1e-5 * scale, `${what}[${i}]: ${x} vs ${e[i]}`));
}

describe('matrix-vector products without transposes', () => {
  before(useTrainingBackend);
  const f = () => tf.randomNormal([7, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
  const z = () => tf.randomNormal([3, 1], 0, 1, 'float32', 2) as tf.Tensor2D;
  const v = () => tf.randomNormal([7, 1], 0, 1, 'float32', 3) as tf.Tensor2D;

  it('compute F z, F^T v and a b^T', () => {
    assertClose(matVec(f(), z()), tf.matMul(f(), z()), 'F z');
    assertClose(vecMat(v(), f()), tf.matMul(f(), v(), true, false), 'F^T v');
    assertClose(outer(v(), z()), tf.matMul(v(), z(), false, true), 'v z^T');
  });

  it('have the gradients of the plain products, to the second order', () => {
    // A loss built from all three products, and the norm of its gradient: a second-order quantity.
    const loss = (mv: typeof matVec, vm: typeof vecMat, op: typeof outer) => (F: tf.Tensor, x: tf.Tensor, y: tf.Tensor) =>
      tf.add(tf.sum(tf.sin(mv(F as tf.Tensor2D, x as tf.Tensor2D))), tf.add(tf.sum(tf.square(vm(y as tf.Tensor2D, F as tf.Tensor2D))), tf.sum(tf.mul(op(y as tf.Tensor2D, x as tf.Tensor2D), F))));
    const plain = loss(
      (F, x) => tf.matMul(F, x),
      (y, F) => tf.matMul(F, y, true, false),
      (y, x) => tf.matMul(y, x, false, true),
    );
    const custom = loss(matVec, vecMat, outer);
    const gradNorm = (l: typeof plain) => (F: tf.Tensor, x: tf.Tensor, y: tf.Tensor) =>
      tf.addN(tf.grads(l)([F, x, y]).map((g) => tf.sum(tf.square(g)))) as tf.Scalar;
    const inputs = [f(), z(), v()];
    tf.grads(custom)(inputs).forEach((g, k) => assertClose(g, tf.grads(plain)(inputs)[k], `first-order gradient ${k}`));
    tf.grads(gradNorm(custom))(inputs).forEach((g, k) => assertClose(g, tf.grads(gradNorm(plain))(inputs)[k], `second-order gradient ${k}`));
  });
});
