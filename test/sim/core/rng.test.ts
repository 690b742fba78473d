import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../../sim/index.js';

describe('Rng', () => {
  it('resumes the same stream from a saved state, including a pending normal', () => {
    const a = new Rng(9);
    a.uniform();
    a.normal();
    const b = Rng.fromState(JSON.parse(JSON.stringify(a.state())));
    const draw = (r: Rng) => [r.normal(), r.uniform(), r.int(1000), r.normal()];
    assert.deepEqual(draw(b), draw(a));
  });

  it('gives uniform draws in [0, 1) with the right mean and normals with unit variance', () => {
    const r = new Rng(1);
    const n = 20000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      assert.ok(u >= 0 && u < 1);
      sum += u;
      const z = r.normal();
      sq += z * z;
    }
    assert.ok(Math.abs(sum / n - 0.5) < 0.01);
    assert.ok(Math.abs(sq / n - 1) < 0.05);
  });

  it('forks streams that differ from each other and from the parent', () => {
    const r = new Rng(3);
    const x = r.fork('a').uniform();
    const y = r.fork('a').uniform();
    assert.notEqual(x, y);
    assert.throws(() => new Rng(1.5), /integer/);
  });
});
