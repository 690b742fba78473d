import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransitionBuilder, concatTransitions, makeDataset, takeRows } from '../../../training/data/index.js';
import { randomTransitions } from '../../support/datasets.js';

describe('TransitionBuilder', () => {
  it('grows past its initial capacity and freezes into exact-size columns', () => {
    const b = new TransitionBuilder(2, 1, 4);
    for (let i = 0; i < 11; i++) {
      b.push({ obs: [i, -i], action: [i / 2], reward: 10 * i, nextObs: [i + 1, -i - 1], constraint: i % 4 === 3, done: i === 10 ? 1 : 0, envId: i % 2 });
    }
    const t = b.freeze();
    assert.equal(t.size, 11);
    assert.equal(t.obs.length, 22);
    assert.deepEqual(Array.from(t.obs.subarray(14, 16)), [7, -7]);
    assert.deepEqual(Array.from(t.nextObs.subarray(20, 22)), [11, -11]);
    assert.deepEqual(Array.from(t.action.subarray(0, 3)), [0, 0.5, 1]);
    assert.deepEqual(Array.from(t.reward.subarray(8)), [80, 90, 100]);
    assert.deepEqual(Array.from(t.constraint), [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    assert.deepEqual(Array.from(t.done), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(Array.from(t.envId.subarray(0, 4)), [0, 1, 0, 1]);
    assert.throws(() => b.push({ obs: [0, 0], action: [0], reward: 0, nextObs: [0, 0], constraint: 0, done: 0 }), /after freeze/);
  });

  it('refuses wrong lengths, non-finite numbers and flags other than 0/1', () => {
    const b = new TransitionBuilder(2, 1);
    const ok = { obs: [0, 0], action: [0], reward: 0, nextObs: [0, 0], constraint: 0, done: 0 } as const;
    assert.throws(() => b.push({ ...ok, action: [0, 1] }), /action has length 2; expected 1/);
    assert.throws(() => b.push({ ...ok, reward: Number.POSITIVE_INFINITY }), /reward is Infinity/);
    assert.throws(() => b.push({ ...ok, nextObs: [0, Number.NaN] }), /nextObs\[1\] is NaN/);
    assert.throws(() => b.push({ ...ok, constraint: 2 as 1 }), /constraint is 2/);
    assert.throws(() => b.push({ ...ok, envId: -1 }), /envId is -1/);
    assert.equal(b.size, 0);
  });

  it('makeDataset derives sizes and the violation count from the columns', () => {
    const t = randomTransitions(3, 100, 4, 2, 0.3);
    const d = makeDataset(t, { domain: 'external', environments: [{ description: 'x', params: null }], policy: 'random', source: 'test' });
    assert.equal(d.meta.size, 100);
    assert.equal(d.meta.violations, Array.from(t.constraint).filter((c) => c === 1).length);
    assert.deepEqual([d.meta.observationSize, d.meta.actionSize], [4, 2]);
  });

  it('takes and stacks rows', () => {
    const a = randomTransitions(1, 5, 2, 1);
    const b = randomTransitions(2, 3, 2, 1);
    const both = concatTransitions([a, b]);
    assert.equal(both.size, 8);
    assert.deepEqual(Array.from(both.nextObs.subarray(10, 16)), Array.from(b.nextObs));
    const picked = takeRows(both, [7, 0]);
    assert.deepEqual(Array.from(picked.obs), [...b.obs.subarray(4, 6), ...a.obs.subarray(0, 2)]);
    assert.throws(() => concatTransitions([a, randomTransitions(1, 2, 3, 1)]), /cannot stack/);
  });
});
