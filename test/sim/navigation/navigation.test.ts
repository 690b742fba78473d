import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NavigationEnv, SimInputError, getDomain, Rng } from '../../../sim/index.js';

const params1 = { domain: 'navigation1', bDiagonal: [1, 1] } as const;

describe('navigation', () => {
  it('starts near (-50, 0) and gives -distance as reward', async () => {
    const env = new NavigationEnv(params1, { seed: 1 });
    const s = env.reset();
    assert.ok(Math.abs(s[0] + 50) < 5 && Math.abs(s[1]) < 5, `start ${s}`);
    const r = env.step([0, 0]);
    assert.ok(Math.abs(r.reward + Math.hypot(s[0], s[1])) < 1e-12);
  });

  it('moves by B a plus small noise', () => {
    const env = new NavigationEnv({ domain: 'navigation2', bDiagonal: [0.5, 1.5] }, { seed: 2 });
    env.reset();
    const s = env.setState(0, 40);
    const r = env.step([1, 1]);
    assert.ok(Math.abs(r.observation[0] - (s[0] + 0.5)) < 0.3);
    assert.ok(Math.abs(r.observation[1] - (s[1] + 1.5)) < 0.3);
  });

  it('flags the constraint inside an obstacle and not in free space', () => {
    const env = new NavigationEnv(params1, { seed: 3, endOnViolation: false });
    env.reset();
    env.setState(-40, 4.8);
    let hit = false;
    for (let i = 0; i < 10 && !hit; i++) hit = env.step([0, 1]).constraint === 1;
    assert.ok(hit, 'pushing into the upper wall must violate');
    env.reset();
    env.setState(-40, 0);
    assert.equal(env.step([0.5, 0]).constraint, 0);
    assert.equal(env.isUnsafe(-90, 0), true, 'back wall');
    assert.equal(env.isUnsafe(-50, -5), true, 'lower wall bound is inclusive');
  });

  it('ends the episode at a violation unless told otherwise', () => {
    const env = new NavigationEnv(params1, { seed: 4 });
    env.reset();
    env.setState(-40, 4.99);
    let r = env.step([0, 1]);
    for (let i = 0; i < 5 && r.constraint === 0; i++) r = env.step([0, 1]);
    assert.equal(r.constraint, 1);
    assert.equal(r.done, true);
    assert.throws(() => env.step([0, 0]), SimInputError);
  });

  it('truncates at the horizon', () => {
    const env = new NavigationEnv(params1, { seed: 5 });
    env.reset();
    let r = env.step([0, 0]);
    for (let i = 1; i < 100; i++) r = env.step([0, 0]);
    assert.equal(r.truncated, true);
    assert.equal(r.info.step, 100);
  });

  it('gives the same trajectory for the same seed', () => {
    const run = (seed: number) => {
      const env = new NavigationEnv(params1, { seed });
      const xs = [...env.reset()];
      for (let i = 0; i < 20; i++) xs.push(...env.step([0.3, -0.1]).observation);
      return xs;
    };
    assert.deepEqual(run(7), run(7));
    assert.notDeepEqual(run(7), run(8));
  });

  it('rejects bad actions with a clear error', () => {
    const env = new NavigationEnv(params1);
    assert.throws(() => env.step([0, 0]), /before reset/);
    env.reset();
    assert.throws(() => env.step([0, NaN]), /action\[1\] is NaN/);
    assert.throws(() => env.step([0]), /1 entries, expected 2/);
    assert.throws(() => env.step([Infinity, 0]), SimInputError);
  });

  it('samples 24 / 25 training environments with B in [0.5, 1.5] and an independent test environment', () => {
    for (const [id, n] of [['navigation1', 24], ['navigation2', 25]] as const) {
      const set = getDomain(id).sampleEnvironments(new Rng(11));
      assert.equal(set.train.length, n);
      for (const p of [...set.train, set.test]) {
        assert.equal(p.domain, id);
        if (p.domain !== id) continue;
        for (const b of p.bDiagonal) assert.ok(b >= 0.5 && b <= 1.5);
      }
      assert.deepEqual(getDomain(id).sampleEnvironments(new Rng(11)), set);
    }
  });
});
