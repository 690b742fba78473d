import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../../sim/index.js';
import { DatasetError, ReplayBuffer, TransitionBuilder, sampleWithoutReplacement, type TransitionBatch } from '../../../training/data/index.js';
import { randomTransitions } from '../../support/datasets.js';

/** A buffer whose row i has reward i, so a batch's rewards tell which rows it took. */
function filled(size: number, violationRate = 0.2): ReplayBuffer {
  const buffer = new ReplayBuffer(3, 2);
  buffer.pushAll(randomTransitions(1, size, 3, 2, violationRate));
  return buffer;
}

const rows = (b: TransitionBatch) => Array.from(b.reward);

describe('sampleWithoutReplacement', () => {
  it('draws k distinct indices in [0, n), or all n when k >= n', () => {
    const rng = new Rng(3);
    for (const [n, k] of [[10, 3], [10, 10], [10, 25], [1000, 999], [5, 1]]) {
      const idx = Array.from(sampleWithoutReplacement(rng, n, k));
      assert.equal(idx.length, Math.min(n, k));
      assert.equal(new Set(idx).size, idx.length, `duplicates in ${idx}`);
      assert.ok(idx.every((i) => Number.isInteger(i) && i >= 0 && i < n));
    }
  });

  it('picks every index about equally often', () => {
    const rng = new Rng(4);
    const counts = new Array<number>(20).fill(0);
    for (let r = 0; r < 4000; r++) for (const i of sampleWithoutReplacement(rng, 20, 5)) counts[i]++;
    // 1000 expected per index; a binomial standard deviation is about 27.
    for (const c of counts) assert.ok(Math.abs(c - 1000) < 150, `counts ${counts}`);
  });
});

describe('ReplayBuffer', () => {
  it('samples a batch without a repeated transition', () => {
    const buffer = filled(300);
    const rng = new Rng(5);
    for (let r = 0; r < 50; r++) {
      const b = buffer.sample(rng, 64);
      assert.equal(b.size, 64);
      assert.equal(new Set(rows(b)).size, 64);
    }
  });

  it('returns the whole buffer when the batch is larger', () => {
    const b = filled(40).sample(new Rng(6), 100);
    assert.deepEqual(rows(b).sort((x, y) => x - y), Array.from({ length: 40 }, (_, i) => i));
  });

  it('gives the same batch for the same seed, and a different one for another seed', () => {
    const buffer = filled(500);
    assert.deepEqual(rows(buffer.sample(new Rng(9), 32)), rows(buffer.sample(new Rng(9), 32)));
    assert.notDeepEqual(rows(buffer.sample(new Rng(9), 32)), rows(buffer.sample(new Rng(10), 32)));
  });

  it('returns whole rows: every column of a sampled transition comes from the same stored row', () => {
    const t = randomTransitions(1, 50, 3, 2);
    const buffer = new ReplayBuffer(3, 2);
    buffer.pushAll(t);
    const b = buffer.sample(new Rng(2), 10);
    for (let j = 0; j < b.size; j++) {
      const i = b.reward[j];
      assert.deepEqual(Array.from(b.obs.subarray(3 * j, 3 * j + 3)), Array.from(t.obs.subarray(3 * i, 3 * i + 3)));
      assert.deepEqual(Array.from(b.action.subarray(2 * j, 2 * j + 2)), Array.from(t.action.subarray(2 * i, 2 * i + 2)));
      assert.deepEqual(Array.from(b.nextObs.subarray(3 * j, 3 * j + 3)), Array.from(t.nextObs.subarray(3 * i, 3 * i + 3)));
      assert.deepEqual([b.constraint[j], b.done[j], b.envId[j]], [t.constraint[i], t.done[i], t.envId[i]]);
    }
  });

  it('draws exactly ⌊f·B⌋ violations and B − ⌊f·B⌋ safe transitions, each without repeats', () => {
    const buffer = filled(400, 0.1);
    const rng = new Rng(11);
    for (const [batch, f] of [[64, 0.25], [50, 0.33], [10, 0], [7, 1]]) {
      const b = buffer.sampleBalanced(rng, batch, f);
      const pos = Math.floor(f * batch);
      assert.equal(b.size, batch);
      assert.equal(b.constraint.reduce((n, c) => n + c, 0), pos, `batch ${batch}, f ${f}`);
      assert.deepEqual(Array.from(b.constraint.subarray(0, pos)), new Array(pos).fill(1));
      assert.equal(new Set(rows(b)).size, batch);
    }
    assert.deepEqual(rows(buffer.sampleBalanced(new Rng(1), 32, 0.5)), rows(buffer.sampleBalanced(new Rng(1), 32, 0.5)));
  });

  it('says how many violations there are when there are too few for a balanced batch', () => {
    const buffer = new ReplayBuffer(1, 1);
    const b = new TransitionBuilder(1, 1);
    for (let i = 0; i < 30; i++) b.push({ obs: [i], action: [0], reward: i, nextObs: [i], constraint: i < 3 ? 1 : 0, done: 0 });
    buffer.pushAll(b.freeze());
    assert.equal(buffer.violations, 3);
    assert.throws(() => buffer.sampleBalanced(new Rng(0), 20, 0.5), (e: unknown) => e instanceof DatasetError && /needs 10 violating transitions, but the replay buffer holds only 3 \(3 violating, 27 safe\)/.test(e.message));
    assert.throws(() => buffer.sampleBalanced(new Rng(0), 40, 0), /needs 40 safe transitions, but the replay buffer holds only 27/);
    assert.throws(() => buffer.sampleBalanced(new Rng(0), 10, 1.5), RangeError);
  });

  it('grows up to its capacity, then overwrites the oldest transitions and keeps its violation index right', () => {
    const buffer = new ReplayBuffer(1, 1, 2000);
    for (let i = 0; i < 5000; i++) buffer.push({ obs: [i], action: [0], reward: i, nextObs: [i + 1], constraint: i % 3 === 0 ? 1 : 0, done: false });
    assert.equal(buffer.size, 2000);
    const all = rows(buffer.sample(new Rng(1), 5000)).sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 2000 }, (_, i) => 3000 + i));
    const expectedViolations = all.filter((i) => i % 3 === 0).length;
    assert.equal(buffer.violations, expectedViolations);
    const b = buffer.sampleBalanced(new Rng(2), expectedViolations + 10, expectedViolations / (expectedViolations + 10));
    assert.deepEqual(
      rows(b).filter((_, j) => b.constraint[j] === 1).sort((x, y) => x - y),
      all.filter((i) => i % 3 === 0),
    );
    assert.ok(rows(b).every((i, j) => (i % 3 === 0) === (b.constraint[j] === 1)));
  });

  it('hands back every violating transition it holds, also after overwriting old ones', () => {
    const buffer = new ReplayBuffer(1, 1, 100);
    for (let i = 0; i < 250; i++) buffer.push({ obs: [i], action: [-i], reward: i, nextObs: [i + 1], constraint: i % 7 === 0 ? 1 : 0, done: false });
    const v = buffer.violating();
    assert.equal(v.size, buffer.violations);
    assert.deepEqual(rows(v).sort((x, y) => x - y), Array.from({ length: 250 }, (_, i) => i).filter((i) => i >= 150 && i % 7 === 0));
    assert.ok(rows(v).every((i, j) => v.obs[j] === i && v.action[j] === -i && v.constraint[j] === 1), 'whole rows');
    assert.equal(new ReplayBuffer(1, 1).violating().size, 0);
  });

  it('hands back the transitions pushed from a given one on, in order, until it has overwritten one', () => {
    const buffer = new ReplayBuffer(1, 1, 3000);
    for (let i = 0; i < 2500; i++) buffer.push({ obs: [i], action: [-i], reward: i, nextObs: [i + 1], constraint: i % 7 === 0 ? 1 : 0, done: i % 7 === 0 });
    const tail = buffer.rowsFrom(2000);
    assert.equal(tail.size, 500);
    assert.deepEqual(Array.from(tail.obs.subarray(0, 3)), [2000, 2001, 2002]);
    assert.deepEqual(Array.from(tail.action.subarray(497)), [-2497, -2498, -2499]);
    assert.deepEqual(Array.from(tail.constraint.subarray(0, 10)), [0, 0, 1, 0, 0, 0, 0, 0, 0, 1], '2002 and 2009 are multiples of 7');
    assert.equal(buffer.rowsFrom(2500).size, 0);
    assert.throws(() => buffer.rowsFrom(2501), /start must be an integer in \[0, 2500\]/);
    for (let i = 0; i < 501; i++) buffer.push({ obs: [0], action: [0], reward: 0, nextObs: [0], constraint: 0, done: 0 });
    assert.throws(() => buffer.rowsFrom(0), /overwritten/);
  });

  it('refuses transitions it cannot store', () => {
    const buffer = new ReplayBuffer(2, 1);
    assert.throws(() => buffer.push({ obs: [0, Number.NaN], action: [0], reward: 0, nextObs: [0, 0], constraint: 0, done: 0 }), /obs\[1\] is NaN/);
    assert.throws(() => buffer.push({ obs: [0], action: [0], reward: 0, nextObs: [0, 0], constraint: 0, done: 0 }), /obs has length 1; expected 2/);
    assert.throws(() => buffer.pushAll(randomTransitions(1, 5, 3, 1)), /obs 3\/act 1 to a replay buffer of obs 2\/act 1/);
    assert.equal(buffer.size, 0);
    assert.throws(() => buffer.sample(new Rng(0), 4), /empty replay buffer/);
  });
});
