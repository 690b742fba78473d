import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { experimentSettings, readEpisodes, readRunMeta, runExperiment, writeReport, type EpisodeRecord, type ExperimentRequest } from '../../../bench/experiments/index.js';
import { riskUpdateSettings } from '../../../bench/experiments/settings.js';
import { TAU_RISK } from '../../../training/settings.js';
import { Rng, packageRoot } from '../../../sim/index.js';
import { createModels } from '../../../training/models.js';
import { writeModelBundle } from '../../../training/model-bundle.js';

const dir = mkdtempSync(join(tmpdir(), 'mesa-experiments-'));

/** A small RRL bundle for navigation1; `riskBias` sets the last bias of the first head (20: always risky). */
async function bundle(name: string, seed: number, riskBias: number | null = null): Promise<void> {
  const models = createModels(
    { method: 'rrl', domain: 'navigation1', observationSize: 2, actionLow: [-1, -1], actionHigh: [1, 1], criticArchitecture: 'twin-mlp', criticHidden: [8], recoveryKind: 'gaussian' },
    new Rng(seed),
  );
  if (riskBias !== null) models.criticValues[3].fill(riskBias);
  await writeModelBundle(join(dir, name, 'navigation1-rrl'), models, { epsRisk: 0.3, gammaRisk: 0.8, provenance: { datasets: [], iterations: { 'test-data': 0 }, seed, command: null } });
}

const request = (r: Partial<ExperimentRequest>): ExperimentRequest => ({ domain: 'navigation1', method: 'rrl', seed: 1, episodes: 4, bundles: join(dir, 'plain', '{domain}-{method}'), checkpointEvery: 2, ...r });
const withoutTime = (rs: readonly EpisodeRecord[]) => rs.map(({ seconds: _, ...r }) => r);

describe('phase-3 experiment runner', () => {
  before(async () => {
    await bundle('plain', 0);
    await bundle('risky', 0, 20);
    await bundle('seed5', 5);
  });

  it('follows the per-step rules: one SAC update per step past a batch, one risk update per step once D_test + online data exceed a batch', async () => {
    const out = join(dir, 'rules');
    const { records, completed } = await runExperiment(experimentSettings(request({})), out, { command: 'test' });
    assert.equal(completed, true);
    assert.deepEqual(records.map((r) => r.episode), [1, 2, 3, 4]);
    let steps = 0;
    let online = 0;
    let riskUpdates = 0;
    for (const r of records) {
      steps += r.length;
      // The risk buffer holds D_test (100 transitions) and the earlier episodes; this one's arrive at its end.
      if (100 + online > 256) riskUpdates += r.length;
      online += r.length;
      assert.equal(r.totalSteps, steps);
      assert.equal(r.sacUpdates, Math.max(0, steps - 257));
      assert.equal(r.riskUpdates, riskUpdates);
    }
    assert.ok(riskUpdates > 0, 'the run got far enough to update the critic online');
    const meta = readRunMeta(join(out, 'navigation1', 'rrl', 'seed-1'))!;
    assert.equal(meta.status, 'done');
    assert.equal(meta.dTest.size, 100);
    assert.match(meta.testEnvironment, /^B = diag/);
    assert.ok(meta.warnings.some((w) => /4 episodes of the paper's 300/.test(w)));
    assert.equal(existsSync(join(out, 'navigation1', 'rrl', 'seed-1', 'checkpoint')), false, 'a finished run drops its checkpoint');
  });

  it('gates every proposal through the shield: a critic that always says "risky" hands every tick to the recovery policy', async () => {
    const { records } = await runExperiment(experimentSettings(request({ episodes: 1, bundles: join(dir, 'risky', '{domain}-{method}') })), join(dir, 'risky-out'), { command: 'test' });
    assert.equal(records[0].interventions, records[0].length);
    assert.equal(records[0].violationRecall, 1, 'it flags every violation it has seen');
    const open = await runExperiment(experimentSettings(request({ method: 'unconstrained', episodes: 2 })), join(dir, 'risky-out'), { command: 'test' });
    assert.ok(open.records.every((r) => r.interventions === 0 && r.riskUpdates === 0 && r.violationRecall === null));
  });

  it('resumes from its checkpoint to exactly the records of an uninterrupted run, and refuses other settings in the same folder', async () => {
    const straight = await runExperiment(experimentSettings(request({ seed: 2 })), join(dir, 'straight'), { command: 'test' });
    const out = join(dir, 'interrupted');
    const first = await runExperiment(experimentSettings(request({ seed: 2, checkpointEvery: 3 })), out, { command: 'test', stopAfter: 2 });
    assert.equal(first.completed, false);
    assert.equal(first.records.length, 2);
    const second = await runExperiment(experimentSettings(request({ seed: 2, checkpointEvery: 3 })), out, { command: 'test' });
    assert.equal(second.resumedAt, 2);
    assert.deepEqual(withoutTime(second.records), withoutTime(straight.records));
    await assert.rejects(runExperiment(experimentSettings(request({ seed: 2, episodes: 5 })), out, { command: 'test' }), /other settings/);
  });

  it('says when the bundle was built for another robot than the run\'s', async () => {
    await runExperiment(experimentSettings(request({ episodes: 1, bundles: join(dir, 'seed5', '{domain}-{method}') })), join(dir, 'seed5-out'), { command: 'test' });
    const meta = readRunMeta(join(dir, 'seed5-out', 'navigation1', 'rrl', 'seed-1'))!;
    assert.ok(meta.warnings.some((w) => /built with seed 5, the test robot and D_test are seed 0's/.test(w)), meta.warnings.join('; '));
  });

  it('runs method x seed in parallel child processes (--jobs) to the same records as one at a time', async () => {
    const [one, two] = [join(dir, 'jobs-1'), join(dir, 'jobs-2')];
    for (const method of ['unconstrained', 'rrl'] as const) await runExperiment(experimentSettings(request({ method, episodes: 2 })), one, { command: 'test' });
    const r = spawnSync(process.execPath, [join(packageRoot(), 'dist', 'bench', 'experiments', 'main.js'), 'run', '--domain', 'navigation1', '--methods', 'unconstrained,rrl', '--seeds', '1', '--episodes', '2', '--checkpoint-every', '2', '--bundles', join(dir, 'plain', '{domain}-{method}'), '--out', two, '--jobs', '2'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    for (const method of ['unconstrained', 'rrl']) {
      const records = (out: string) => withoutTime(readEpisodes(join(out, 'navigation1', method, 'seed-1')));
      assert.equal(records(two).length, 2, method);
      assert.deepEqual(records(two), records(one), method);
    }
  });

  for (const jobs of [1, 2]) {
    it(`stops on Ctrl-C after the episode it is in, with a checkpoint (--jobs ${jobs})`, async () => {
      const out = join(dir, `sigint-${jobs}`);
      const args = [join(packageRoot(), 'dist', 'bench', 'experiments', 'main.js'), 'run', '--domain', 'navigation1', '--methods', 'rrl', '--seeds', '1', '--episodes', '300', '--checkpoint-every', '1000', '--bundles', join(dir, 'plain', '{domain}-{method}'), '--out', out, '--jobs', String(jobs)];
      // Its own process group, so that a run that ignores the signal is killed with its children.
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        const first = !/episode \d+\/300/.test(stderr);
        stderr += chunk;
        if (first && /episode \d+\/300/.test(stderr)) child.kill('SIGINT');
      });
      const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 90_000);
      const code = await exited;
      clearTimeout(killer);
      assert.equal(code, 130, stderr);
      const run = join(out, 'navigation1', 'rrl', 'seed-1');
      const done = readEpisodes(run).length;
      assert.ok(done >= 1 && done < 300, `stopped early, after ${done} episodes`);
      assert.equal(readRunMeta(run)!.status, 'running');
      assert.equal(existsSync(join(run, 'checkpoint')), true, 'a checkpoint was written on the way out');
    });
  }

  it("moves MESA's risk target network at --tau-risk and says so; the other methods, which bootstrap from the online critic, do not record it", async () => {
    const models = createModels(
      { method: 'mesa', domain: 'navigation1', observationSize: 2, actionLow: [-1, -1], actionHigh: [1, 1], criticArchitecture: 'weight-transform', criticHidden: [4, 4, 4], recoveryKind: 'deterministic' },
      new Rng(0),
    );
    await writeModelBundle(join(dir, 'mesa', 'navigation1-mesa'), models, { epsRisk: 0.3, gammaRisk: 0.8, provenance: { datasets: [], iterations: { meta: 0 }, seed: 0, command: null } });
    const bundles = join(dir, 'mesa', '{domain}-{method}');
    const s = experimentSettings(request({ method: 'mesa', bundles, tauRisk: 0.005, episodes: 1 }));
    assert.equal(s.tauRisk, 0.005);
    assert.equal(riskUpdateSettings('mesa', s).tau, 0.005);
    assert.equal(riskUpdateSettings('mesa', experimentSettings(request({ method: 'mesa', bundles }))).tau, TAU_RISK);
    assert.equal('tauRisk' in experimentSettings(request({ method: 'mesa', bundles })), false, "runs at the reference's rate keep the settings of the runs recorded before the option existed");
    assert.equal(experimentSettings(request({ tauRisk: 0.005 })).tauRisk, undefined);
    const { completed, dir: run } = await runExperiment(s, join(dir, 'tau'), { command: 'test' });
    assert.equal(completed, true);
    assert.ok(readRunMeta(run)!.warnings.some((w) => /Polyak rate 0\.005, the reference's is 0\.0002/.test(w)));
  });

  it('runs with a smaller D_test when asked, and says so', async () => {
    const { completed } = await runExperiment(experimentSettings(request({ episodes: 1, testSize: 40 })), join(dir, 'small-test'), { command: 'test' });
    assert.equal(completed, true);
    const meta = readRunMeta(join(dir, 'small-test', 'navigation1', 'rrl', 'seed-1'))!;
    assert.equal(meta.dTest.size, 40);
    assert.ok(meta.warnings.some((w) => /D_test of 40 transitions, the paper's is 100/.test(w)), meta.warnings.join('; '));
  });

  it('draws balanced risk batches when asked (--pos-fraction), only once the buffer holds enough violations, and says so', async () => {
    // D_test holds 5 violating transitions: enough for 0.02 of 256 (5), not for 0.5 (128).
    const run = async (posFraction: number) => {
      const out = join(dir, `pos-${posFraction}`);
      const { records } = await runExperiment(experimentSettings(request({ episodes: 3, posFraction })), out, { command: 'test' });
      return { records, meta: readRunMeta(join(out, 'navigation1', 'rrl', 'seed-1'))! };
    };
    const few = await run(0.02);
    assert.equal(few.meta.settings.posFraction, 0.02);
    assert.ok(few.meta.warnings.includes("risk batches with 0.02 of them violating, the paper's are uniform"), few.meta.warnings.join('; '));
    assert.ok(few.records.at(-1)!.riskUpdates > 0);
    const many = await run(0.5);
    const violations = many.records.filter((r) => r.violation).length;
    assert.ok(5 + violations < 128);
    assert.equal(many.records.at(-1)!.riskUpdates, 0, 'no balanced batch until 128 violations');
  });

  it('reports curves and a table per domain, stating the reduced scale', async () => {
    const out = join(dir, 'risky-out');
    const files = await writeReport(out, 'report command');
    const md = readFileSync(files.markdown, 'utf8');
    assert.match(md, /Reduced scale, not the paper's:\*\* Unconstrained 2 episodes x 1 seed, RRL 1 episodes x 1 seed/);
    assert.match(md, /\| Unconstrained \| 1 \| 2 \| /);
    assert.match(md, /\| RRL \| 1 \| 1 \| /);
    assert.match(md, /Paper: /);
    assert.match(md, /Bundles the safe methods started from:\n- RRL: `[^`]+`, built \d{4}-\d{2}-\d{2}\n\n/);
    assert.match(readFileSync(files.plots[0], 'utf8'), /cumulative constraint violations/);
  });

  it('reports a run that is still writing its last record, and says when D_test is not the paper\'s', async () => {
    const out = join(dir, 'small-test');
    appendFileSync(join(out, 'navigation1', 'rrl', 'seed-1', 'episodes.jsonl'), '{"episode": 2, "ret');
    const md = readFileSync((await writeReport(out, 'report command')).markdown, 'utf8');
    assert.match(md, /RRL 1 episodes x 1 seed \(paper: 300 episodes x 5 seeds\); D_test of 40 transitions \(paper: 100\)/);
  });

  it('resumes a run with another checkpoint interval (it does not change the results)', async () => {
    const out = join(dir, 'interval');
    const first = await runExperiment(experimentSettings(request({ episodes: 3, checkpointEvery: 1 })), out, { command: 'test', stopAfter: 1 });
    assert.equal(first.completed, false);
    const resumed = await runExperiment(experimentSettings(request({ episodes: 3, checkpointEvery: 2 })), out, { command: 'test' });
    assert.equal(resumed.completed, true);
    assert.equal(resumed.resumedAt, 1);
  });
});
