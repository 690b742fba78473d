import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Rng, box } from '../../../sim/index.js';
import { SafetyCritic, type CriticArchitecture } from '../../../training/critic.js';
import { criticToOnnx, policyToOnnx } from '../../../training/export/index.js';
import type { DenseLayer, DenseStack } from '../../../training/nn/dense-stack.js';
import { RecoveryPolicy, type FoldedPolicy } from '../../../training/policies.js';
import { maxAbsDiff, runOnnx, uniformRows } from '../../support/onnx.js';
import { useTrainingBackend } from '../../support/tf.js';

const SAMPLES = 64;
const TOLERANCE = 1e-5;

const CRITICS: { label: string; architecture: CriticArchitecture; obs: number; act: number; options: ConstructorParameters<typeof SafetyCritic>[3] }[] = [
  { label: 'twin-mlp (2 x 16)', architecture: 'twin-mlp', obs: 5, act: 3, options: { hidden: [16, 16] } },
  { label: 'weight-transform (3 x 16, latent 8)', architecture: 'weight-transform', obs: 5, act: 3, options: { hidden: [16, 16, 16], latent: 8 } },
  { label: 'mlp (2 x 16)', architecture: 'mlp', obs: 5, act: 3, options: { hidden: [16, 16] } },
  { label: 'twin-mlp (reference 2 x 256, navigation sizes)', architecture: 'twin-mlp', obs: 2, act: 2, options: {} },
];

function tfValues(t: tf.Tensor): Float32Array {
  const v = Float32Array.from(t.dataSync());
  t.dispose();
  return v;
}

describe('ONNX export: parity with TensorFlow.js under onnxruntime-node', () => {
  before(useTrainingBackend);

  CRITICS.forEach(({ label, architecture, obs, act, options }, seed) => {
    it(`critic ${label}`, async (t) => {
      const critic = new SafetyCritic(architecture, obs, act, options);
      const values = critic.init(new Rng(50 + seed));
      const rng = new Rng(200 + seed);
      const s = uniformRows(rng, SAMPLES, obs, -4, 4);
      const a = uniformRows(rng, SAMPLES, act, -2, 2);

      const params = values.map((v, i) => tf.tensor(v, [...critic.shapes[i]]));
      const [obsT, actT] = [tf.tensor2d(s, [SAMPLES, obs]), tf.tensor2d(a, [SAMPLES, act])];
      const expected = tfValues(critic.risk(params, obsT, actT));
      const heads = critic.headValues(params, obsT, actT).map(tfValues);
      heads.forEach((h, k) => {
        const wins = h.filter((v, i) => v === expected[i] && heads.every((o, j) => j === k || o[i] < v)).length;
        assert.ok(heads.length === 1 || wins > 0, `head ${k} is never the largest: the samples do not exercise Max`);
      });
      const { risk } = await runOnnx(criticToOnnx(critic.fold(values), obs, act), { observation: { values: s, cols: obs }, action: { values: a, cols: act } });

      assert.deepEqual(risk.dims, [SAMPLES, 1]);
      const unsaturated = expected.filter((r) => r > 0.01 && r < 0.99).length;
      const spread = Math.max(...expected) - Math.min(...expected);
      assert.ok(unsaturated >= SAMPLES / 2 && spread > 0.05, `inputs must exercise the sigmoid: ${unsaturated} unsaturated, spread ${spread}`);
      const error = maxAbsDiff(risk.data, expected);
      t.diagnostic(`max |onnx - tfjs| = ${error.toExponential(2)} (risk spread ${spread.toFixed(3)})`);
      assert.ok(error <= TOLERANCE, `max abs error ${error}`);
    });
  });

  (['gaussian', 'deterministic'] as const).forEach((kind, seed) => {
    it(`recovery policy ${kind}`, async (t) => {
      const space = box([-1, -2, 0], [1, 3, 0.5]);
      const obs = 4;
      const recovery = new RecoveryPolicy(kind, obs, space);
      const values = recovery.init(new Rng(300 + seed));
      const s = uniformRows(new Rng(400 + seed), SAMPLES, obs, -4, 4);

      const params = values.map((v, i) => tf.tensor(v, [...recovery.shapes[i]]));
      const expected = tfValues(recovery.mean(params, tf.tensor2d(s, [SAMPLES, obs])));
      const { action } = await runOnnx(policyToOnnx(recovery.fold(values), obs), { observation: { values: s, cols: obs } });

      assert.deepEqual(action.dims, [SAMPLES, space.size]);
      const unit = expected.map((v, i) => (v - recovery.scaling.offset[i % space.size]) / recovery.scaling.scale[i % space.size]);
      const unsaturated = unit.filter((u) => Math.abs(u) < 0.99).length;
      assert.ok(unsaturated >= expected.length / 2, `inputs must exercise the tanh: ${unsaturated} of ${expected.length} unsaturated`);
      const error = maxAbsDiff(action.data, expected);
      t.diagnostic(`max |onnx - tfjs| = ${error.toExponential(2)}`);
      assert.ok(error <= TOLERANCE, `max abs error ${error}`);
      for (let i = 0; i < action.data.length; i++) {
        const j = i % space.size;
        assert.ok(action.data[i] >= space.low[j] && action.data[i] <= space.high[j], `action ${i} outside the box`);
      }
    });
  });
});

function layer(inputs: number, outputs: number, activation: DenseLayer['activation'] = 'relu'): DenseLayer {
  return { inputs, outputs, weight: new Float32Array(inputs * outputs).fill(0.1), bias: new Float32Array(outputs), activation };
}

describe('ONNX export: input validation', () => {
  const head: DenseStack = [layer(5, 4), layer(4, 1, 'sigmoid')];

  it('accepts a well-formed critic and policy', () => {
    assert.ok(criticToOnnx([head], 3, 2).length > 0);
    assert.ok(policyToOnnx({ body: [layer(3, 2, 'tanh')], scaling: { scale: Float32Array.of(1, 1), offset: Float32Array.of(0, 0) } }, 3).length > 0);
  });

  const criticCases: [string, () => unknown, RegExp][] = [
    ['no heads', () => criticToOnnx([], 3, 2), /no heads/],
    ['input size', () => criticToOnnx([head], 4, 2), /head 0, layer 0: takes 5 inputs, expected 6/],
    ['layer chaining', () => criticToOnnx([head, [layer(5, 4), layer(3, 1, 'sigmoid')]], 3, 2), /head 1, layer 1: takes 3 inputs but layer 0 gives 4 outputs/],
    ['weight length', () => criticToOnnx([[{ ...layer(5, 1), weight: new Float32Array(4) }]], 3, 2), /layer 0: weight has 4 values, expected 5 x 1 = 5/],
    ['bias length', () => criticToOnnx([[{ ...layer(5, 1), bias: new Float32Array(2) }]], 3, 2), /layer 0: bias has 2 values, expected 1/],
    ['finite weights', () => criticToOnnx([[{ ...layer(5, 1), weight: Float32Array.of(0, 0, NaN, 0, 0) }]], 3, 2), /layer 0: weight\[2\] is NaN/],
    ['one risk output', () => criticToOnnx([[layer(5, 2)]], 3, 2), /head 0: the last layer has 2 outputs/],
    ['sizes', () => criticToOnnx([head], 0, 2), /observationSize must be a positive integer/],
  ];
  for (const [what, call, message] of criticCases) it(`rejects a critic: ${what}`, () => assert.throws(call, message));

  const policy = (p: Partial<FoldedPolicy>): FoldedPolicy => ({
    body: [layer(3, 2, 'tanh')],
    scaling: { scale: Float32Array.of(1, 1), offset: Float32Array.of(0, 0) },
    ...p,
  });
  it('rejects a policy whose body does not end in tanh', () => assert.throws(() => policyToOnnx(policy({ body: [layer(3, 2, 'linear')] }), 3), /last activation is linear/));
  it('rejects a policy with a wrong-length scale', () =>
    assert.throws(() => policyToOnnx(policy({ scaling: { scale: Float32Array.of(1), offset: Float32Array.of(0, 0) } }), 3), /scaling.scale has 1 values, expected 2/));
  it('rejects a policy with a non-finite offset', () =>
    assert.throws(() => policyToOnnx(policy({ scaling: { scale: Float32Array.of(1, 1), offset: Float32Array.of(0, Infinity) } }), 3), /scaling.offset\[1\] is Infinity/));
  it('rejects a policy body of the wrong input size', () => assert.throws(() => policyToOnnx(policy({}), 4), /body, layer 0: takes 3 inputs, expected 4/));
});
