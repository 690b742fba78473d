import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NavigationEnv, Rng } from '../../../sim/index.js';
import { HELD_OUT_FILE, collect, collectTestToFolder, collectToFolder, collectTrainingDatasets, navigationTransitions } from '../../../training/collect/index.js';
import { loadDatasetDir, readDatasetFile, type Transitions } from '../../../training/data/index.js';
import { continues } from '../../../training/eval/index.js';

/** Runs `work` and returns the longest time (ms) the event loop was blocked meanwhile. */
async function longestEventLoopGap(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(longest, performance.now() - last);
}

function assertSameTransitions(a: Transitions, b: Transitions, what: string): void {
  for (const column of ['obs', 'action', 'reward', 'nextObs', 'constraint', 'done'] as const) assert.deepEqual(a[column], b[column], `${what}: ${column}`);
}

describe('collect', () => {
  it('builds navigation 1 rollouts of at most 11 steps that start near a wall and end at the first violation', () => {
    const env = new NavigationEnv({ domain: 'navigation1', bDiagonal: [1, 1] });
    const t = navigationTransitions(env, 2000, new Rng(1)).freeze();
    let length = 1;
    for (let i = 0; i < t.size; i++) {
      if (i === 0 || !continues(t, i - 1)) {
        length = 1;
        const y = Math.abs(t.obs[2 * i + 1]);
        assert.ok(y >= 2 && y <= 5, `start y ${y}`);
      } else length += 1;
      assert.ok(length <= 11, 'rollouts have at most 11 transitions');
      assert.equal(t.done[i], t.constraint[i], 'done = constraint (mask = 1 - c)');
      if (t.constraint[i] === 1) assert.ok(!continues(t, i), 'a rollout ends at its first violation');
    }
  });

  it('fills navigation 2 in four blocks approaching the obstacle from each side; a short prefix is block 1 only', () => {
    const env = new NavigationEnv({ domain: 'navigation2', bDiagonal: [1, 1] });
    const t = navigationTransitions(env, 4000, new Rng(2)).freeze();
    const firstX = t.obs[0];
    assert.ok(firstX >= -35 && firstX <= -29, 'block 1 starts left of the obstacle');
    const lastStartY = t.obs[2 * (t.size - 5) + 1];
    assert.ok(lastStartY < -5, 'block 4 approaches from below');
    const prefix = navigationTransitions(env, 200, new Rng(2), 10_000).freeze();
    for (let i = 0; i < prefix.size; i++) {
      const start = i === 0 || !continues(prefix, i - 1);
      if (start) assert.ok(prefix.obs[2 * i] >= -35 && prefix.obs[2 * i] <= -30, 'the first 200 of a 10K generation come from block 1');
    }
  });

  it('writes a dataset folder for every training environment and the test environment, reproducibly', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mesa-collect-')), 'nav1');
    const manifest = await collectToFolder(dir, { domain: 'navigation1', seed: 4, trainSize: 300, envs: 3 });
    assert.equal(manifest.train.length, 3);
    const loaded = loadDatasetDir(dir);
    assert.equal(loaded.train[0].meta.size, 300);
    assert.equal(loaded.test.meta.size, 100, 'the paper test size by default');
    assert.equal(loaded.train[0].meta.policy, 'navigation-generator');
    assert.match(loaded.train[1].meta.environments[0].description, /^B = diag/);
    const again = await collect({ domain: 'navigation1', seed: 4, trainSize: 300, envs: 3 });
    assert.deepEqual(again.train[2].transitions.obs, loaded.train[2].transitions.obs);
  });

  it('resumes a collection: finished datasets of the same command are kept, others are rebuilt', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mesa-collect-')), 'nav2');
    const options = { domain: 'navigation2', seed: 5, trainSize: 100, envs: 2 } as const;
    await collectToFolder(dir, options);
    const stamp = () => statSync(join(dir, 'train-01.arrow')).mtimeMs;
    const before = stamp();
    await new Promise((r) => setTimeout(r, 20));
    await collectToFolder(dir, options, { resume: true });
    assert.equal(stamp(), before, 'the finished dataset was reused');
    await collectToFolder(dir, { ...options, trainSize: 120 }, { resume: true });
    assert.notEqual(stamp(), before, 'a different size is collected again');
    assert.equal(loadDatasetDir(dir).train[1].meta.size, 120);
  });

  it('builds the same folder with two worker threads as with one job, SAC training data included', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mesa-collect-'));
    // 300 transitions: past SAC's 100 random start steps and its first updates (batch 256).
    const options = { domain: 'cartpole-length', seed: 3, envs: 3, trainSize: 300, testSize: 50, heldOut: 30 } as const;
    const oneJobGap = await longestEventLoopGap(() => collectToFolder(join(root, 'one'), options));
    const partial = new Set<number>();
    const twoJobGap = await longestEventLoopGap(() =>
      collectToFolder(join(root, 'two'), { ...options, onProgress: (role, index, done, of) => role === 'train' && done < of && partial.add(index) }, { jobs: 2 }),
    );
    const [one, two] = [loadDatasetDir(join(root, 'one')), loadDatasetDir(join(root, 'two'))];
    assert.equal(two.train[0].meta.policy, 'sac');
    for (let i = 0; i < 3; i++) assertSameTransitions(two.train[i].transitions, one.train[i].transitions, `training dataset ${i}`);
    assertSameTransitions(two.test.transitions, one.test.transitions, 'test');
    assertSameTransitions(readDatasetFile(join(root, 'two', HELD_OUT_FILE)).transitions, readDatasetFile(join(root, 'one', HELD_OUT_FILE)).transitions, 'held-out');
    assert.deepEqual([...partial].sort(), [0, 1, 2], 'every training dataset reported progress while being built');
    // SAC blocks the thread it runs in: with workers the main thread stays free.
    assert.ok(oneJobGap > 2 * twoJobGap && twoJobGap < 500, `longest event-loop stall: one job ${oneJobGap.toFixed(0)} ms, two jobs ${twoJobGap.toFixed(0)} ms`);
  });

  it('removes an earlier manifest before collecting again, so a cut-short rewrite is no complete folder', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mesa-collect-')), 'nav1');
    await collectToFolder(dir, { domain: 'navigation1', seed: 1, trainSize: 50, envs: 2 });
    await assert.rejects(collectToFolder(dir, { domain: 'navigation1', seed: 2, trainSize: 50, envs: 2, onProgress: () => { throw new Error('cut short'); } }), /cut short/);
    assert.equal(existsSync(join(dir, 'manifest.json')), false);
  });

  it('refuses to write test data alone into a full dataset folder (its bundles were trained on its D_test)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mesa-collect-')), 'nav1');
    await collectToFolder(dir, { domain: 'navigation1', seed: 1, trainSize: 50, envs: 2 });
    await assert.rejects(collectTestToFolder(dir, { domain: 'navigation1', seed: 1, testSize: 20 }), /holds a full collection/);
    assert.equal(loadDatasetDir(dir).test.meta.size, 100, 'D_test is untouched');
  });

  it('builds any subset of the training datasets exactly as the full collection does, and refuses indices it does not have', async () => {
    const options = { domain: 'navigation2', seed: 8, trainSize: 80, envs: 4 } as const;
    const full = await collect(options);
    const [third] = await collectTrainingDatasets(options, [2]);
    assert.deepEqual(third.transitions.obs, full.train[2].transitions.obs);
    await assert.rejects(collectTrainingDatasets(options, [4]), /training environment 4 is not one of the 4 collected/);
  });

  it('collects random test episodes that run on through violations', async () => {
    const { test } = await collect({ domain: 'cartpole-length', seed: 1, envs: 1, trainSize: 5, trainPolicy: 'random', testSize: 400 });
    assert.equal(test.meta.size, 400);
    assert.equal(test.meta.policy, 'random');
    let longest = 0;
    let run = 1;
    for (let i = 0; i + 1 < test.transitions.size; i++) {
      run = test.transitions.constraint[i] === 1 && test.transitions.constraint[i + 1] === 1 ? run + 1 : 1;
      longest = Math.max(longest, run);
    }
    assert.ok(longest > 5, 'violations continue within an episode');
  });

  it('collects only the test data, identical to a full collection\'s and to a reduced one\'s, when asked', async () => {
    const options = { domain: 'navigation1', seed: 7, envs: 3, trainSize: 50, testSize: 60, heldOut: 40 } as const;
    const full = await collect(options);
    const only = await collect({ ...options, testOnly: true });
    assert.equal(only.train.length, 0);
    assert.deepEqual(only.test.transitions.obs, full.test.transitions.obs);
    assert.deepEqual(only.test.transitions.action, full.test.transitions.action);
    assert.deepEqual(only.heldOut!.transitions.nextObs, full.heldOut!.transitions.nextObs);
    const otherCount = await collect({ ...options, envs: 4, testOnly: true });
    assert.deepEqual(otherCount.test.transitions.obs, full.test.transitions.obs, 'D_test does not depend on how many training datasets are collected');
    assert.deepEqual(otherCount.heldOut!.transitions.obs, full.heldOut!.transitions.obs);
  });

  it('makes a smaller test dataset the head of the larger one (the test-size ablation\'s D_test)', async () => {
    for (const domain of ['cartpole-length', 'navigation1'] as const) {
      const { test: large } = await collect({ domain, seed: 2, testSize: 600, testOnly: true });
      const { test: small } = await collect({ domain, seed: 2, testSize: 150, testOnly: true });
      assert.equal(small.meta.size, 150);
      assert.deepEqual(small.transitions.obs, large.transitions.obs.slice(0, 150 * large.meta.observationSize), domain);
      assert.deepEqual(small.transitions.constraint, large.transitions.constraint.slice(0, 150), domain);
    }
  });

  it('refuses more environments than the distribution has', async () => {
    await assert.rejects(collect({ domain: 'ant-disabled', seed: 1, envs: 4 }), /has 3 training environments/);
  });
});
