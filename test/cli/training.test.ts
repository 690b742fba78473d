import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { readBundle } from '../../models/format/index.js';
import { Rng, uniformBox } from '../../sim/index.js';
import { SafetyCritic } from '../../training/critic.js';
import { exportBundle } from '../../training/export/index.js';
import { readDatasetFile } from '../../training/data/index.js';
import { readModelBundle } from '../../training/model-bundle.js';
import { RecoveryPolicy } from '../../training/policies.js';
import { runCli } from '../support/cli.js';

describe('mesa-shield collect / train / adapt / eval-critic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesa-cli-'));
  const data = join(dir, 'nav1');

  before(() => {
    const r = runCli(['collect', '--domain', 'navigation1', '--out', data, '--seed', '3', '--train-size', '300', '--envs', '3', '--held-out', '400']);
    assert.equal(r.status, 0, r.stderr);
  });

  it('has --help on every command', () => {
    for (const command of ['collect', 'train', 'adapt', 'eval-critic']) {
      const r = runCli([command, '--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Usage: mesa-shield ${command}`));
    }
  });

  it('writes only a smaller D_test with --test-only, the head of the full collection\'s', async () => {
    const out = join(dir, 'small-test');
    const r = runCli(['collect', '--domain', 'navigation1', '--out', out, '--seed', '3', '--envs', '3', '--test-size', '40', '--test-only']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(existsSync(join(out, 'manifest.json')), false);
    const [small, full] = [readDatasetFile(join(out, 'test.arrow')), readDatasetFile(join(data, 'test.arrow'))];
    assert.equal(small.meta.size, 40);
    assert.deepEqual(small.transitions.obs, full.transitions.obs.slice(0, 80));
    const refused = runCli(['collect', '--domain', 'navigation1', '--out', out, '--test-only', '--jobs', '2']);
    assert.equal(refused.status, 1, 'a usage error');
    assert.match(refused.stderr, /--test-only builds no training datasets/);
    const badRate = runCli(['adapt', '--bundle', out, '--data', out, '--out', join(dir, 'z'), '--lr', '2']);
    assert.equal(badRate.status, 1, 'a bad option value is a usage error');
    assert.match(badRate.stderr, /--lr <rate>.*expected a number in \(0, 1\), got "2"/);
  });

  it('trains RRL and MESA bundles, adapts MESA and evaluates all three', () => {
    const rrl = runCli(['train', '--method', 'rrl', '--data', data, '--out', join(dir, 'rrl'), '--iterations', '20']);
    assert.equal(rrl.status, 0, rrl.stderr);
    assert.match(rrl.stderr, /training backend: (wasm|tensorflow)/);
    const mesa = runCli(['train', '--method', 'mesa', '--data', data, '--out', join(dir, 'mesa'), '--iterations', '2', '--checkpoint-every', '1']);
    assert.equal(mesa.status, 0, mesa.stderr);
    assert.equal(existsSync(join(dir, 'mesa.checkpoint')), false, 'the checkpoint is removed after success');
    const adapted = runCli(['adapt', '--bundle', join(dir, 'mesa'), '--data', data, '--out', join(dir, 'mesa-adapted'), '--iterations', '3']);
    assert.equal(adapted.status, 0, adapted.stderr);
    const evaluation = runCli(['eval-critic', '--bundle', join(dir, 'rrl'), join(dir, 'mesa'), join(dir, 'mesa-adapted'), '--data', data, '--plot', join(dir, 'cal.svg'), '--json']);
    assert.equal(evaluation.status, 0, evaluation.stderr);
    const out = JSON.parse(evaluation.stdout) as { data: string; results: { method: string; evaluation: { auroc: number; transitions: number } }[] };
    assert.match(out.data, /held-out\.arrow$/);
    assert.deepEqual(out.results.map((r) => r.method), ['rrl', 'mesa', 'mesa']);
    for (const r of out.results) assert.ok(r.evaluation.auroc >= 0 && r.evaluation.auroc <= 1 && r.evaluation.transitions === 400);
    assert.ok(existsSync(join(dir, 'cal.svg')));
  });

  it('records provenance in the bundle it writes', async () => {
    const r = runCli(['train', '--method', 'multitask', '--data', data, '--out', join(dir, 'mt'), '--iterations', '5', '--seed', '9']);
    assert.equal(r.status, 0, r.stderr);
    const { manifest } = await readBundle(join(dir, 'mt'));
    assert.equal(manifest.provenance.method, 'multitask');
    assert.deepEqual(manifest.provenance.iterations, { pooled: 5 });
    assert.equal(manifest.provenance.seed, 9);
    assert.equal(manifest.risk.epsRisk, 0.3);
    assert.equal(manifest.risk.gammaRisk, 0.8);
    assert.match(manifest.provenance.command ?? '', /mesa-shield train --method multitask/);
  });

  it('standardizes observations inside the models on request', async () => {
    const r = runCli(['train', '--method', 'rrl', '--data', data, '--out', join(dir, 'rrl-std'), '--iterations', '3', '--standardize-observations']);
    assert.equal(r.status, 0, r.stderr);
    const { models, manifest } = await readModelBundle(join(dir, 'rrl-std'));
    const scale = models.spec.observationScale;
    assert.ok(scale && scale.mean.length === 2 && scale.std.every((s) => s > 0), JSON.stringify(scale));
    assert.match(manifest.provenance.command ?? '', /--standardize-observations/);
  });

  it('explains missing data and a bundle that cannot be adapted', async () => {
    const missing = runCli(['train', '--method', 'rrl', '--data', join(dir, 'nowhere'), '--out', join(dir, 'x')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nowhere/);
    const critic = new SafetyCritic('mlp', 2, 2, { hidden: [4] });
    const recovery = new RecoveryPolicy('deterministic', 2, uniformBox(2, -1, 1));
    const onnxOnly = join(dir, 'onnx-only');
    await exportBundle(onnxOnly, {
      domain: 'navigation1',
      critic,
      criticValues: critic.init(new Rng(1)),
      recovery,
      recoveryValues: recovery.init(new Rng(2)),
      observationSpace: uniformBox(2, -Infinity, Infinity),
      actionSpace: uniformBox(2, -1, 1),
      neutralAction: [0, 0],
      epsRisk: 0.3,
      gammaRisk: 0.8,
      provenance: { method: 'external', datasets: [], iterations: {}, seed: null, command: null },
    });
    const r = runCli(['adapt', '--bundle', onnxOnly, '--data', data, '--out', join(dir, 'y')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /carries no trainable parameters/);
  });
});
