import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { experimentSettings, runExperiment } from '../../../bench/experiments/index.js';
import { Rng, packageRoot } from '../../../sim/index.js';
import { createModels } from '../../../training/models.js';
import { writeModelBundle } from '../../../training/model-bundle.js';

const probe = join(packageRoot(), 'dist', 'bench', 'experiments', 'critic-probe.js');

describe('critic probe', () => {
  it("scores a checkpoint's online violating and safe transitions, one line each", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesa-probe-'));
    const models = createModels(
      { method: 'rrl', domain: 'navigation1', observationSize: 2, actionLow: [-1, -1], actionHigh: [1, 1], criticArchitecture: 'twin-mlp', criticHidden: [8], recoveryKind: 'gaussian' },
      new Rng(0),
    );
    const bundle = join(dir, 'navigation1-rrl');
    await writeModelBundle(bundle, models, { epsRisk: 0.3, gammaRisk: 0.8, provenance: { datasets: [], iterations: { 'test-data': 0 }, seed: 0, command: null } });
    const settings = experimentSettings({ domain: 'navigation1', method: 'rrl', seed: 2, episodes: 30, bundles: join(dir, '{domain}-{method}'), checkpointEvery: 100 });
    const { records, completed, dir: run } = await runExperiment(settings, join(dir, 'runs'), { command: 'test', stopAfter: 6 });
    assert.equal(completed, false);
    const steps = records.reduce((n, r) => n + r.length, 0);
    const violations = records.filter((r) => r.violation).length;

    const r = spawnSync(process.execPath, [probe, '--bundle', bundle, '--eps', '0.3', join(run, 'checkpoint')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`after episode 6, ${steps} online transitions, ${violations} violating`));
    assert.match(r.stdout, new RegExp(`online critic, safe: +n ${steps - violations} +mean 0\\.\\d{3}`));
    assert.doesNotMatch(r.stdout, /target network/, 'an RRL run has no target network');

    const bad = spawnSync(process.execPath, [probe, '--bundle', bundle, '--eps', '0.3', dir], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^critic-probe: checkpoint .* state\.json is missing/);
  });
});
