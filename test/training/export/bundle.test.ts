import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeOnnxIO, readBundle } from '../../../models/format/index.js';
import { Rng, box } from '../../../sim/index.js';
import { SafetyCritic } from '../../../training/critic.js';
import { exportBundle, type ExportBundleOptions } from '../../../training/export/index.js';
import { RecoveryPolicy } from '../../../training/policies.js';
import { tempFolder } from '../../support/bundle.js';
import { maxAbsDiff, runOnnx, uniformRows } from '../../support/onnx.js';
import { useTrainingBackend } from '../../support/tf.js';

describe('exportBundle', () => {
  let root: { path: string; remove: () => Promise<void> };
  before(async () => {
    await useTrainingBackend();
    root = await tempFolder();
  });
  after(() => root.remove());

  const observationSpace = box([-Infinity, -Infinity, -3], [Infinity, Infinity, 3]);
  const actionSpace = box([-1, 0], [1, 2]);
  const critic = new SafetyCritic('weight-transform', 3, 2, { hidden: [8, 8, 8], latent: 4 });
  const recovery = new RecoveryPolicy('deterministic', 3, actionSpace);
  const options = (): ExportBundleOptions => ({
    domain: 'navigation1',
    critic,
    criticValues: critic.init(new Rng(1)),
    recovery,
    recoveryValues: recovery.init(new Rng(2)),
    observationSpace,
    actionSpace,
    neutralAction: [0, 1],
    epsRisk: 0.3,
    gammaRisk: 0.65,
    provenance: { method: 'mesa', datasets: ['navigation1/train'], iterations: { meta: 3, adapt: 1 }, seed: 7, command: 'test' },
  });

  it('writes a bundle whose models compute what the TensorFlow.js models compute', async () => {
    const dir = join(root.path, 'navigation1-mesa');
    const o = options();
    const written = await exportBundle(dir, o);
    const { manifest, criticOnnx, recoveryOnnx } = await readBundle(dir);
    assert.deepEqual(manifest, written);
    assert.equal(manifest.name, 'navigation1-mesa');
    assert.deepEqual(manifest.observation, { size: 3, low: [-Infinity, -Infinity, -3], high: [Infinity, Infinity, 3] });
    assert.deepEqual(manifest.action, { size: 2, low: [-1, 0], high: [1, 2] });
    assert.equal(manifest.normalization, null);
    assert.deepEqual(manifest.models.critic.architecture, 'weight-transform');
    assert.deepEqual(manifest.models.recovery.kind, 'deterministic');
    assert.ok(Math.abs(Date.parse(manifest.provenance.createdAt) - Date.now()) < 60_000);
    assert.deepEqual(describeOnnxIO(criticOnnx).inputs.map((i) => i.shape), [['batch', 3], ['batch', 2]]);

    const rng = new Rng(3);
    const s = uniformRows(rng, 16, 3, -3, 3);
    const a = uniformRows(rng, 16, 2, -1, 1);
    const cp = o.criticValues.map((v, i) => tf.tensor(v, [...critic.shapes[i]]));
    const rp = o.recoveryValues.map((v, i) => tf.tensor(v, [...recovery.shapes[i]]));
    const risk = critic.risk(cp, tf.tensor2d(s, [16, 3]), tf.tensor2d(a, [16, 2])).dataSync();
    const action = recovery.mean(rp, tf.tensor2d(s, [16, 3])).dataSync();
    const onnxRisk = await runOnnx(criticOnnx, { observation: { values: s, cols: 3 }, action: { values: a, cols: 2 } });
    const onnxAction = await runOnnx(recoveryOnnx, { observation: { values: s, cols: 3 } });
    assert.ok(maxAbsDiff(onnxRisk.risk.data, risk) < 1e-5);
    assert.ok(maxAbsDiff(onnxAction.action.data, action) < 1e-5);
  });

  it('rejects parameters and spaces that do not fit the networks', async () => {
    const dir = join(root.path, 'bad');
    const cases: [Partial<ExportBundleOptions>, RegExp][] = [
      [{ criticValues: critic.init(new Rng(1)).slice(1) }, /the critic has 12 parameter tensors, got 11/],
      [{ recoveryValues: recovery.init(new Rng(1)).map((v, i) => (i === 0 ? v.slice(1) : v)) }, /recovery policy parameter W0 has 299 values, expected 300 \(\[3,100\]\)/],
      [{ observationSpace: box([0, 0], [1, 1]) }, /critic observation size is 3, but the bundle's space has 2/],
      [{ actionSpace: box([-1, -1], [1, 1]) }, /actionSpace differs from the recovery policy's action box/],
      [{ neutralAction: [0, 5] }, /invalid manifest: neutralAction\[1\]: 5 is outside the action bounds \[0, 2\]/],
      [{ epsRisk: 1 }, /invalid manifest: risk\.epsRisk: Too big/],
    ];
    for (const [change, message] of cases) await assert.rejects(exportBundle(dir, { ...options(), ...change }), message);
    await assert.rejects(readBundle(dir), /folder does not exist/);
  });
});
