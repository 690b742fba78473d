import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Rng, box } from '../../../sim/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModels } from '../../../training/models.js';
import { readModelBundle, writeModelBundle } from '../../../training/model-bundle.js';
import { loadShieldModels } from '../../../runtime/index.js';
import { SafetyCritic } from '../../../training/critic.js';
import { denseForward } from '../../../training/nn/dense-stack.js';
import { observationScaleOf } from '../../../training/nn/observation-scale.js';
import { RecoveryPolicy } from '../../../training/policies.js';
import { useTrainingBackend, values } from '../../support/tf.js';

describe('observation standardization inside critic and recovery policy', () => {
  before(useTrainingBackend);
  const scale = { mean: [-20, 1], std: [40, 0.5] };

  it('computes mean and population std per coordinate; a constant coordinate keeps std 1', () => {
    const s = observationScaleOf([{ obs: Float32Array.of(0, 3, 2, 3), size: 2 }, { obs: Float32Array.of(4, 3), size: 1 }], 2);
    assert.deepEqual(s.mean, [2, 3]);
    assert.ok(Math.abs(s.std[0] - Math.sqrt(8 / 3)) < 1e-12);
    assert.equal(s.std[1], 1);
  });

  it('feeds (s - mean) / std to the critic: the same risk as an unscaled critic on standardized input', () => {
    const plain = new SafetyCritic('weight-transform', 2, 1, { hidden: [6, 6], latent: 4 });
    const scaled = new SafetyCritic('weight-transform', 2, 1, { hidden: [6, 6], latent: 4, observationScale: scale });
    const params = plain.init(new Rng(1)).map((v, i) => tf.tensor(v, [...plain.shapes[i]]));
    const raw = [-60, 2], a = [0.3];
    const standardized = [(raw[0] + 20) / 40, (raw[1] - 1) / 0.5];
    const r1 = values(scaled.risk(params, tf.tensor2d([raw]), tf.tensor2d([a])))[0];
    const r2 = values(plain.risk(params, tf.tensor2d([standardized]), tf.tensor2d([a])))[0];
    assert.ok(Math.abs(r1 - r2) < 1e-6, `${r1} vs ${r2}`);
  });

  for (const architecture of ['twin-mlp', 'weight-transform', 'mlp'] as const) {
    it(`folds the scale into the exported ${architecture} critic, which then takes raw observations`, () => {
      const critic = new SafetyCritic(architecture, 2, 2, { hidden: [8, 8], latent: 5, observationScale: scale });
      const init = critic.init(new Rng(2));
      const params = init.map((v, i) => tf.tensor(v, [...critic.shapes[i]]));
      for (const [s, a] of [[[-60, 2], [0.5, -0.25]], [[30, -1], [-1, 1]]]) {
        const tfRisk = values(critic.risk(params, tf.tensor2d([s]), tf.tensor2d([a])))[0];
        const folded = Math.max(...critic.fold(init).map((head) => denseForward(head, [...s, ...a])[0]));
        assert.ok(Math.abs(tfRisk - folded) < 1e-5, `${tfRisk} vs ${folded}`);
      }
    });
  }

  for (const kind of ['gaussian', 'deterministic'] as const) {
    it(`folds the scale into the exported ${kind} recovery policy`, () => {
      const space = box([-1, -1], [1, 1]);
      const recovery = new RecoveryPolicy(kind, 2, space, { observationScale: scale });
      const init = recovery.init(new Rng(3));
      const params = init.map((v, i) => tf.tensor(v, [...recovery.shapes[i]]));
      const s = [-35, 0.2];
      const expected = values(recovery.mean(params, tf.tensor2d([s])));
      const folded = recovery.fold(init);
      const unit = denseForward(folded.body, s);
      expected.forEach((e, i) => {
        const fromFold = unit[i] * folded.scaling.scale[i] + folded.scaling.offset[i];
        assert.ok(Math.abs(e - fromFold) < 1e-5, `dimension ${i}: ${e} vs ${fromFold}`);
      });
      assert.ok(expected.some((e) => Math.abs(e) < 0.99), 'the input must not saturate the tanh for the check to mean anything');
    });
  }

  it('survives a bundle round trip; the exported ONNX models take raw observations', async () => {
    const spec = { method: 'mesa' as const, domain: 'navigation1', observationSize: 2, actionLow: [-1, -1], actionHigh: [1, 1], criticArchitecture: 'mlp' as const, criticHidden: [16], recoveryKind: 'deterministic' as const, observationScale: scale };
    const models = createModels(spec, new Rng(4));
    const dir = join(mkdtempSync(join(tmpdir(), 'mesa-scale-')), 'bundle');
    await writeModelBundle(dir, models, { epsRisk: 0.3, gammaRisk: 0.8, provenance: { datasets: [], iterations: {}, seed: 4, command: null } });
    const back = await readModelBundle(dir);
    assert.deepEqual(back.models.spec.observationScale, scale);
    assert.equal(back.manifest.normalization, null);
    const onnx = await loadShieldModels(dir);
    const s = [-70, 1.5], a = [0.2, -0.6];
    const params = models.criticValues.map((v, i) => tf.tensor(v, [...models.critic.shapes[i]]));
    const expected = values(models.critic.risk(params, tf.tensor2d([s]), tf.tensor2d([a])))[0];
    const actual = await onnx.risk(Float64Array.from(s), Float64Array.from(a));
    await onnx.release();
    assert.ok(Math.abs(expected - actual) < 1e-5, `${expected} vs ${actual}`);
  });

  it('refuses a scale of the wrong size or with a zero deviation', () => {
    assert.throws(() => new SafetyCritic('mlp', 3, 1, { observationScale: scale }), /2 means and 2 deviations for 3/);
    assert.throws(() => new RecoveryPolicy('deterministic', 2, box([-1], [1]), { observationScale: { mean: [0, 0], std: [1, 0] } }), /finite and positive/);
  });
});
