import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Rng, type Box } from '../../sim/index.js';
import { adam } from '../../training/nn/adam.js';
import { createVariablesFrom } from '../../training/nn/module.js';
import { RecoveryPolicy } from '../../training/policies.js';
import { useTrainingBackend, values } from '../support/tf.js';

const box: Box = { size: 2, low: Float64Array.of(-1, -1), high: Float64Array.of(1, 1) };

/** Raw navigation-like coordinates: tens of units, as MESA's recovery policy sees them. */
function states(rng: Rng, rows: number): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from({ length: rows * 2 }, (_, i) => (i % 2 === 0 ? rng.uniformIn(-40, 0) : rng.uniformIn(-10, 10))), [rows, 2]);
}

/** A critic that ranks one corner of the action box safest: risk falls linearly along `direction`. */
function cornerRisk(direction: number): (action: tf.Tensor2D) => tf.Tensor {
  return (action) => tf.mul(0.25, tf.sub(2, tf.mul(direction, tf.sum(action, 1))));
}

function train(policy: RecoveryPolicy, params: tf.Variable[], risk: (a: tf.Tensor2D) => tf.Tensor, steps: number, rng: Rng): void {
  const optimizer = adam(1e-2);
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      const obs = states(rng, 64);
      const { grads } = tf.variableGrads(() => policy.loss(params, obs, risk, rng), params);
      optimizer.apply(params, params.map((v) => grads[v.name]));
    });
  }
  optimizer.dispose();
}

function meanAction(policy: RecoveryPolicy, params: tf.Variable[], rng: Rng): number {
  return tf.tidy(() => tf.mean(policy.mean(params, states(rng, 256))).dataSync()[0]);
}

describe('recovery policy', () => {
  before(useTrainingBackend);

  it("MESA's policy goes to the corner its critic ranks safest and still follows when the critic changes its mind", () => {
    const rng = new Rng(3);
    const policy = new RecoveryPolicy('deterministic', 2, box);
    const params = createVariablesFrom(policy.shapes, policy.init(rng));

    train(policy, params, cornerRisk(-1), 2000, rng);
    assert.ok(meanAction(policy, params, rng) < -0.95, 'driven to the low corner');
    const u = tf.tidy(() => tf.max(tf.abs(policy.preActivation(params, states(rng, 256)))).dataSync()[0]);
    assert.ok(u < 6, `pre-tanh activation stays where tanh has a slope, got ${u}`);

    train(policy, params, cornerRisk(1), 300, rng);
    assert.ok(meanAction(policy, params, rng) > 0.9, 'moved to the opposite corner');
    tf.dispose(params);
  });

  it("the Gaussian policy's loss is the reference's: the mean risk of its sampled actions", () => {
    const policy = new RecoveryPolicy('gaussian', 2, box);
    const params = policy.init(new Rng(1)).map((v, i) => tf.tensor(v, [...policy.shapes[i]]));
    const obs = states(new Rng(2), 8);
    const risk = cornerRisk(1);
    const loss = policy.loss(params, obs, risk, new Rng(5));
    const expected = tf.mean(risk(policy.sample(params, obs, new Rng(5))));
    assert.ok(Math.abs(values(loss)[0] - values(expected)[0]) < 1e-7);
  });
});
