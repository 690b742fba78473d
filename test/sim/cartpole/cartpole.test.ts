import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CartpoleEnv, cartpoleLength, cartpoleReward, cartpoleXml, isCartpoleUnsafe } from '../../../sim/cartpole/index.js';
import { Rng, SimInputError } from '../../../sim/index.js';

const test1 = { domain: 'cartpole-length', poleLength: 1.0 } as const;
const opened: CartpoleEnv[] = [];
async function make(poleLength = 1.0, options: { seed?: number; endOnViolation?: boolean } = {}): Promise<CartpoleEnv> {
  const env = await CartpoleEnv.create({ domain: 'cartpole-length', poleLength }, options);
  opened.push(env);
  return env;
}
after(() => opened.forEach((e) => e.close()));

/** Reset plus `n` steps of a fixed pseudo-random action sequence, flattened. */
function rollout(env: CartpoleEnv, seed: number, n: number): number[] {
  const actions = new Rng(42);
  const xs = [...env.reset(seed)];
  for (let i = 0; i < n; i++) xs.push(...env.step([actions.uniformIn(-3, 3)]).observation);
  return xs;
}

describe('cartpole-length', () => {
  it('loads the model through the domain and steps it', async () => {
    const env = await cartpoleLength.make(test1, { seed: 1 });
    try {
      assert.equal(env.domain, 'cartpole-length');
      assert.equal(env.observationSpace.size, 4);
      assert.deepEqual([...env.actionSpace.low, ...env.actionSpace.high], [-3, 3]);
      assert.equal(env.horizon, 200);
      const s = env.reset();
      assert.equal(s.length, 4);
      for (const v of s) assert.ok(Math.abs(v) <= 0.01, `start state ${s} is outside the reset noise`);
      const r = env.step([0.5]);
      assert.equal(r.observation.length, 4);
      assert.ok(r.observation.every(Number.isFinite));
      assert.notDeepEqual([...r.observation], [...s]);
      assert.equal(r.info.step, 1);
    } finally {
      env.close();
    }
  });

  it('writes the pole length into the model it compiles', () => {
    assert.match(cartpoleXml(0.6125), /name="cpole"[^>]*fromto="0 0 0 0\.001 0 0\.6125"/);
  });

  it('gives the same trajectory for the same seed and a different one for another seed', async () => {
    const env = await make(1.0, { endOnViolation: false });
    const a = rollout(env, 7, 50);
    assert.deepEqual(rollout(env, 7, 50), a);
    assert.notDeepEqual(rollout(env, 8, 50), a);
    const fresh = await make(1.0, { seed: 7 });
    assert.deepEqual([...fresh.reset()], a.slice(0, 4), 'the constructor seed and reset(seed) start the same stream');
  });

  it('keeps environments of different lengths independent when stepped in turn', async () => {
    const [short, long] = [await make(0.5, { endOnViolation: false }), await make(1.0, { endOnViolation: false })];
    const alone = [rollout(short, 3, 30), rollout(long, 3, 30)];
    const actions = new Rng(42);
    const xs: number[][] = [[...short.reset(3)], [...long.reset(3)]];
    for (let i = 0; i < 30; i++) {
      const a = actions.uniformIn(-3, 3);
      xs[0].push(...short.step([a]).observation);
      xs[1].push(...long.step([a]).observation);
    }
    assert.deepEqual(xs, alone);
    assert.notDeepEqual(alone[0], alone[1], 'the pole length changes the dynamics');
  });

  it('flags the pole below horizontal and the cart at |x| >= 2.4, and not an upright centred pole', async () => {
    assert.equal(isCartpoleUnsafe(0, Math.PI / 2), false);
    assert.equal(isCartpoleUnsafe(0, Math.PI / 2 + 1e-9), true);
    assert.equal(isCartpoleUnsafe(0, -Math.PI / 2 - 1e-9), true);
    assert.equal(isCartpoleUnsafe(2.4, 0), true, 'the cart bound is inclusive');
    assert.equal(isCartpoleUnsafe(-2.4, 0), true);
    assert.equal(isCartpoleUnsafe(2.3999, 0), false);

    const env = await make(1.0, { endOnViolation: false });
    env.reset(1);
    const cases: Array<[number[], 0 | 1, string]> = [
      [[0, Math.PI / 2 + 0.01, 0, 0.2], 1, 'pole just past horizontal, falling'],
      [[0, -Math.PI / 2 - 0.01, 0, -0.2], 1, 'pole just past horizontal on the other side'],
      [[2.42, 0, 0.1, 0], 1, 'cart past +2.4'],
      [[-2.41, 0, -0.1, 0], 1, 'cart past -2.4'],
      [[0, 0, 0, 0], 0, 'upright at the centre'],
      [[2.3, 0.3, 0, 0], 0, 'tilted but inside the bounds'],
    ];
    for (const [[x, th, xd, thd], expected, what] of cases) {
      env.setState(x, th, xd, thd);
      const r = env.step([0]);
      assert.equal(r.constraint, expected, `${what}: reached ${r.observation}`);
    }
  });

  it('makes a longer pole heavier, as its geometry implies (~7.543 L + 0.493 kg)', async () => {
    let previous = 0;
    for (const L of [0.4, 0.6, 0.8, 1.0]) {
      const env = await make(L);
      const pole = env.bodyMass('pole');
      assert.ok(pole > previous, `pole mass ${pole} at L = ${L} does not grow with L`);
      assert.ok(Math.abs(pole - (7.543 * L + 0.493)) < 2e-3, `pole mass ${pole} at L = ${L}`);
      assert.ok(Math.abs(env.bodyMass('cart') - 10.472) < 1e-3, 'the cart does not depend on L');
      previous = pole;
    }
  });

  it('rewards ~1 while an unactuated pole stays near upright, then lets it fall', async () => {
    for (const seed of [1, 2, 3]) {
      const env = await make(1.0, { seed, endOnViolation: false });
      env.reset();
      let r = env.step([0]);
      for (let t = 1; t <= 10; t++, r = env.step([0])) {
        assert.ok(r.reward > 0.99 && r.reward <= 1, `seed ${seed} step ${t}: reward ${r.reward}`);
      }
      let fell = false;
      for (let t = 11; t < 200 && !fell; t++) fell = env.step([0]).constraint === 1;
      assert.ok(fell, `seed ${seed}: an upright pole with no control must fall over`);
    }
  });

  it('rewards the pole tip near (0, L) on the state reached, on the scale of L', async () => {
    assert.equal(cartpoleReward(0, 0, 0.7), 1);
    for (const L of [0.4, 1.0]) {
      assert.ok(Math.abs(cartpoleReward(0, Math.PI / 2, L) - Math.exp(-2)) < 1e-12, 'pole horizontal');
      assert.ok(Math.abs(cartpoleReward(L, 0, L) - Math.exp(-1)) < 1e-12, 'cart one pole length off centre');
    }
    const L = 0.5;
    const env = await make(L, { endOnViolation: false });
    env.reset(1);
    env.setState(0.3, 0.2, 1, -0.5);
    const r = env.step([0]);
    const [x, theta] = r.observation;
    const expected = Math.exp(-((x + L * Math.sin(theta)) ** 2 + (L * Math.cos(theta) - L) ** 2) / L ** 2);
    assert.ok(Math.abs(r.reward - expected) < 1e-12, `reward ${r.reward}, expected ${expected} from ${r.observation}`);
  });

  it('pushes the cart toward +x with a positive action, with the force the rigid-body equations predict', async () => {
    const env = await make(1.0);
    env.reset(1);
    env.setState(0, 0, 0, 0);
    const r = env.step([1]);
    const [x, theta, xDot, thetaDot] = r.observation;
    assert.ok(x > 0 && xDot > 0, `cart must move to +x: ${r.observation}`);
    assert.ok(theta < 0 && thetaDot < 0, `the pole lags behind, tipping toward -x: ${r.observation}`);
    // Cart + uniform capsule pole at rest, 100 N (gear 100 × u = 1) held for 0.04 s.
    const rad = 0.049, L = 1.0, M = 10.472;
    const mCyl = 1000 * Math.PI * rad * rad * L, mSph = 1000 * (4 / 3) * Math.PI * rad ** 3, m = mCyl + mSph;
    const iCom = (mCyl * (3 * rad * rad + L * L)) / 12 + mSph * ((2 * rad * rad) / 5 + (L * L) / 4 + (3 * rad * L) / 8);
    const ml = (m * L) / 2, iHinge = iCom + (m * L * L) / 4;
    const xAcc = 100 / (M + m - (ml * ml) / iHinge);
    const thetaAcc = (-ml * xAcc) / iHinge;
    assert.ok(Math.abs(xDot / (xAcc * 0.04) - 1) < 0.03, `cart velocity ${xDot} vs predicted ${xAcc * 0.04}`);
    assert.ok(Math.abs(thetaDot / (thetaAcc * 0.04) - 1) < 0.03, `pole rate ${thetaDot} vs predicted ${thetaAcc * 0.04}`);

    env.setState(0, 0, 0, 0);
    const clipped = env.step([10]);
    assert.deepEqual([...clipped.info.appliedAction], [3], 'actions are clipped to [-3, 3]');
    assert.ok(Math.abs(clipped.observation[2] / xDot - 3) < 0.05, 'a clipped action pushes like u = 3');
  });

  it('rejects bad actions, stepping outside an episode and bad pole lengths with SimInputError', async () => {
    const env = await make();
    assert.throws(() => env.step([0]), /before reset/);
    env.reset(1);
    assert.throws(() => env.step([0, 0]), /2 entries, expected 1/);
    assert.throws(() => env.step([]), SimInputError);
    assert.throws(() => env.step([NaN]), /action\[0\] is NaN/);
    assert.throws(() => env.setState(0, Infinity, 0, 0), SimInputError);
    for (const L of [NaN, 0, -0.5, Infinity]) {
      await assert.rejects(cartpoleLength.make({ domain: 'cartpole-length', poleLength: L }), (e: unknown) => {
        assert.ok(e instanceof SimInputError);
        assert.match(e.message, new RegExp(`got ${String(L)}$`));
        return true;
      });
    }
    await assert.rejects(cartpoleLength.make({ domain: 'navigation1', bDiagonal: [1, 1] }), SimInputError);
    env.close();
    env.close();
    assert.throws(() => env.reset(), /closed/);
  });

  it('samples 20 training lengths in [0.4, 0.8] and the test length 1.0', () => {
    const set = cartpoleLength.sampleEnvironments(new Rng(11));
    assert.equal(set.train.length, 20);
    assert.equal(cartpoleLength.trainEnvCount, 20);
    assert.deepEqual(cartpoleLength.datasetSizes, { trainPerEnv: 20_000, test: 1_000 });
    const lengths = set.train.map((p) => (p.domain === 'cartpole-length' ? p.poleLength : NaN));
    for (const L of lengths) assert.ok(L >= 0.4 && L <= 0.8, `training length ${L}`);
    assert.ok(new Set(lengths).size === 20, 'each training environment draws its own length');
    assert.deepEqual(set.test, test1);
    assert.deepEqual(cartpoleLength.sampleEnvironments(new Rng(11)), set);
    assert.notDeepEqual(cartpoleLength.sampleEnvironments(new Rng(12)).train, set.train);
    assert.equal(cartpoleLength.describe({ domain: 'cartpole-length', poleLength: 0.61234 }), 'pole length 0.612 m');
  });

  it('truncates an episode at 200 steps', async () => {
    const env = await make(1.0, { seed: 5, endOnViolation: false });
    env.reset();
    const actions = new Rng(1);
    for (let t = 1; t < 200; t++) {
      const r = env.step([actions.uniformIn(-3, 3)]);
      assert.ok(!r.done && !r.truncated, `step ${t} ended the episode`);
    }
    const last = env.step([0]);
    assert.equal(last.truncated, true);
    assert.equal(last.info.step, 200);
    assert.throws(() => env.step([0]), /episode is over/);
  });

  it('ends the episode at a violation by default, and not with endOnViolation: false', async () => {
    const falling = [0, Math.PI / 2 - 0.01, 0, 1] as const;
    const strict = await make(1.0, { seed: 1 });
    strict.reset();
    strict.setState(...falling);
    const r = strict.step([0]);
    assert.equal(r.constraint, 1);
    assert.equal(r.done, true);
    assert.throws(() => strict.step([0]), SimInputError);

    const lenient = await make(1.0, { seed: 1, endOnViolation: false });
    lenient.reset();
    lenient.setState(...falling);
    const r2 = lenient.step([0]);
    assert.equal(r2.constraint, 1);
    assert.equal(r2.done, false);
    assert.equal(lenient.step([0]).constraint, 1, 'the episode runs on below horizontal');
  });
});
