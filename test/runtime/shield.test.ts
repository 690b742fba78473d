import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Rng } from '../../sim/index.js';
import { Shield, loadShieldModels, type ShieldModels, type ShieldOptions, type StampedVector } from '../../runtime/index.js';
import { gateBundle } from '../support/gate-bundle.js';

const NOW = 10e9;
const fresh = (...values: number[]): StampedVector => ({ values, stampNs: NOW - 1e6 });
const options: ShieldOptions = { epsSafe: 0.3, fallback: 'recovery', maxStateAgeMs: 50, maxCommandAgeMs: 20, hysteresis: null, maxBypassS: 5 };

describe('Shield', () => {
  let dir = '';
  let models: ShieldModels;
  before(async () => {
    dir = await gateBundle();
    models = await loadShieldModels(dir, 'typescript');
  });

  it('lets a low-risk proposal through and replaces a high-risk one with the recovery action', async () => {
    const shield = new Shield(models, options);
    const safe = await shield.decide(fresh(1, 2), fresh(0, 0.7), NOW);
    assert.equal(safe.source, 'task');
    assert.equal(safe.reason, 'risk-acceptable');
    assert.ok(safe.risk! < 0.01);
    assert.deepEqual([...safe.action], [0, 0.7]);
    const risky = await shield.decide(fresh(1, 2), fresh(0.9, 0), NOW);
    assert.equal(risky.source, 'recovery');
    assert.equal(risky.reason, 'risk-too-high');
    assert.ok(Math.abs(risky.risk! - 1 / (1 + Math.exp(-4))) < 1e-6);
    risky.action.forEach((a) => assert.ok(Math.abs(a - 0.5) < 1e-6));
    assert.equal(risky.threshold, 0.3);
  });

  it('clips the proposal to the action bounds', async () => {
    const d = await new Shield(models, options).decide(fresh(0, 0), fresh(-3, 0.2), NOW);
    assert.deepEqual([...d.action], [-1, 0.2]);
  });

  for (const [name, obs, cmd, reason] of [
    ['missing state', null, fresh(0, 0), 'state-missing'],
    ['NaN in the state', fresh(NaN, 0), fresh(0, 0), 'state-invalid'],
    ['Infinity in the state', fresh(0, Infinity), fresh(0, 0), 'state-invalid'],
    ['a state of the wrong size', fresh(0, 0, 0), fresh(0, 0), 'state-invalid'],
    ['a stale state (60 ms > 50 ms)', { values: [0, 0], stampNs: NOW - 60e6 }, fresh(0, 0), 'state-stale'],
    ['a state stamped 60 ms in the future (a skewed clock)', { values: [0, 0], stampNs: NOW + 60e6 }, fresh(0, 0), 'state-stale'],
    ['missing command', fresh(0, 0), null, 'command-missing'],
    ['NaN in the command', fresh(0, 0), fresh(NaN, 0), 'command-invalid'],
    ['a command of the wrong size', fresh(0, 0), fresh(0), 'command-invalid'],
    ['a stale command (30 ms > 20 ms)', fresh(0, 0), { values: [0, 0], stampNs: NOW - 30e6 }, 'command-stale'],
  ] as const) {
    it(`falls back on ${name}`, async () => {
      const d = await new Shield(models, { ...options, fallback: 'hold' }).decide(obs, cmd, NOW);
      assert.equal(d.source, 'fallback');
      assert.equal(d.reason, reason);
      assert.deepEqual([...d.action], [0, -0.25], 'hold applies the neutral action');
    });
  }

  it('judges state and command ages separately, on their stamps', async () => {
    const shield = new Shield(models, options);
    assert.equal((await shield.decide({ values: [0, 0], stampNs: NOW - 40e6 }, fresh(0, 0), NOW)).source, 'task', 'a 40 ms old state is fine');
    assert.equal((await shield.decide(fresh(0, 0), { values: [0, 0], stampNs: NOW - 40e6 }, NOW)).reason, 'command-stale');
  });

  it('falls back to the recovery policy when it can, and to hold when the state is unusable', async () => {
    const shield = new Shield(models, options);
    const staleCommand = await shield.decide(fresh(0, 0), null, NOW);
    assert.equal(staleCommand.reason, 'command-missing');
    staleCommand.action.forEach((a) => assert.ok(Math.abs(a - 0.5) < 1e-6), 'the recovery policy acts');
    assert.deepEqual([...(await shield.decide(null, fresh(0, 0), NOW)).action], [0, -0.25]);
  });

  it('passes a valid proposal through only when passthrough is configured, never a non-finite one', async () => {
    const shield = new Shield(models, { ...options, fallback: 'passthrough' });
    const d = await shield.decide(null, fresh(0.9, 0.1), NOW);
    assert.equal(d.source, 'fallback');
    assert.deepEqual([...d.action], [0.9, 0.1]);
    assert.deepEqual([...(await shield.decide(fresh(0, 0), fresh(NaN, 0), NOW)).action], [0, -0.25]);
  });

  it('holds when no model is loaded', async () => {
    const d = await new Shield(null, options, { observationSize: 2, actionSize: 2 }).decide(fresh(0, 0), fresh(0, 0), NOW);
    assert.equal(d.reason, 'model-not-loaded');
    assert.deepEqual([...d.action], [0, 0]);
  });

  it('falls back with a reason when inference throws or returns an invalid risk', async () => {
    const broken = (risk: () => number): ShieldModels => ({ ...models, risk, recover: models.recover });
    const e = await new Shield(broken(() => { throw new Error('boom'); }), options).decide(fresh(0, 0), fresh(0, 0), NOW);
    assert.equal(e.reason, 'inference-error');
    assert.equal(e.source, 'fallback');
    const nan = await new Shield(broken(() => NaN), options).decide(fresh(0, 0), fresh(0, 0), NOW);
    assert.equal(nan.reason, 'risk-invalid');
  });

  it('does not chatter around the threshold with enter/exit levels', async () => {
    const shield = new Shield(models, { ...options, hysteresis: { enter: 0.6, exit: 0.2 } });
    // a0 = 0.5 gives risk 0.5: between exit and enter.
    const sources = [];
    for (const a0 of [0.5, 0.8, 0.5, 0.45, 0.3, 0.5]) sources.push((await shield.decide(fresh(0, 0), fresh(a0, 0), NOW)).source);
    assert.deepEqual(sources, ['task', 'recovery', 'recovery', 'recovery', 'task', 'task']);
  });

  it('switches only after N consecutive ticks on the other side', async () => {
    const shield = new Shield(models, { ...options, hysteresis: { ticks: 3 } });
    const sources = [];
    for (const a0 of [0.9, 0.9, 0, 0.9, 0.9, 0.9, 0, 0, 0]) sources.push((await shield.decide(fresh(0, 0), fresh(a0, 0), NOW)).source);
    assert.deepEqual(sources, ['task', 'task', 'task', 'task', 'task', 'recovery', 'recovery', 'recovery', 'task']);
  });

  it('lets an operator bypass it for a capped time that expires by itself', async () => {
    const shield = new Shield(models, options);
    const until = shield.bypass(NOW, 3600);
    assert.equal(until, NOW + 5e9, 'capped at max_bypass_s');
    const at = (t: number, ...values: number[]) => ({ values, stampNs: t });
    const during = await shield.decide(at(NOW + 1e9, 0, 0), at(NOW + 1e9, 0.9, 0), NOW + 1e9);
    assert.equal(during.reason, 'shield-bypassed');
    assert.deepEqual([...during.action], [0.9, 0]);
    assert.equal((await shield.decide(at(NOW + 2e9, 0, 0), at(NOW + 2e9, NaN, 0), NOW + 2e9)).source, 'fallback', 'bypass never passes NaN');
    const after = await shield.decide(at(NOW + 6e9, 0, 0), at(NOW + 6e9, 0.9, 0), NOW + 6e9);
    assert.equal(after.source, 'recovery');
  });

  it('swaps models between two ticks', async () => {
    const shield = new Shield(models, options);
    const other = await loadShieldModels(await gateBundle({ random: true }), 'typescript');
    const before = await shield.decide(fresh(0, 0), fresh(0, 0), NOW);
    shield.swapModels(other);
    assert.equal(shield.models, models, 'not before the next tick');
    const after = await shield.decide(fresh(0, 0), fresh(0, 0), NOW);
    assert.equal(shield.models, other);
    assert.notEqual(after.risk, before.risk);
  });

  it('hands back models a swap displaced or retired, and none a decision is still using', async () => {
    const shield = new Shield(models, options);
    const [a, b] = await Promise.all([1, 2].map(async () => loadShieldModels(await gateBundle({ random: true }), 'typescript')));
    assert.equal(shield.swapModels(a), null);
    assert.equal(shield.swapModels(b), a, 'a swap no decision used is displaced at once');
    assert.deepEqual(shield.takeRetired(), [], 'the active models are not retired before the next tick');
    const deciding = shield.decide(fresh(0, 0), fresh(0, 0), NOW);
    assert.deepEqual(shield.takeRetired(), [], 'nothing is handed back while a decision runs');
    await deciding;
    assert.equal(shield.models, b);
    assert.deepEqual(shield.takeRetired(), [models]);
    assert.deepEqual(shield.takeRetired(), [], 'each is handed back once');
  });

  it('warm() runs the models on the last inputs without changing any decision, hysteresis included', async () => {
    const calls: string[] = [];
    const counted: ShieldModels = {
      ...models,
      risk: (o, a) => (calls.push(`risk ${[...o]} ${[...a]}`), models.risk(o, a)),
      recover: (o, out) => (calls.push(`recover ${[...o]}`), models.recover(o, out)),
    };
    const hysteresis = { ticks: 2 };
    const warmed = new Shield(counted, { ...options, hysteresis });
    const plain = new Shield(models, { ...options, hysteresis });
    for (const a0 of [0.9, 0.9, 0, 0.9, 0, 0, 0.9]) {
      calls.length = 0;
      assert.equal(warmed.warm(), undefined, 'finishes within the call');
      const ran = calls.length;
      const [w, p] = [await warmed.decide(fresh(1, 2), fresh(a0, 0), NOW), await plain.decide(fresh(1, 2), fresh(a0, 0), NOW)];
      assert.deepEqual({ ...w, action: [...w.action] }, { ...p, action: [...p.action] });
      assert.equal(ran, 2, 'warm() ran the critic and the recovery policy');
    }
    calls.length = 0;
    warmed.warm();
    assert.deepEqual(calls, ['risk 1,2 0.9,0', 'recover 1,2'], 'on the last decided state and proposal');
  });

  it('warm() runs the models a pending swap installs, and leaves a failing model to decide()', async () => {
    let ran = 0;
    const next: ShieldModels = { ...models, risk: (o, a) => (ran++, models.risk(o, a)) };
    const shield = new Shield(models, options);
    shield.swapModels(next);
    shield.warm();
    assert.equal(ran, 1);
    const failing = new Shield({ ...models, risk: () => { throw new Error('boom'); } }, options);
    assert.doesNotThrow(() => failing.warm());
    assert.equal((await failing.decide(fresh(0, 0), fresh(0, 0), NOW)).reason, 'inference-error');
  });

  it('runs the same decisions on onnxruntime and on the TypeScript engine (within 1e-5)', async () => {
    const random = await gateBundle({ random: true });
    const [ort, ts] = await Promise.all([loadShieldModels(random, 'onnxruntime'), loadShieldModels(random, 'typescript')]);
    const rng = new Rng(4);
    const out = [new Float64Array(2), new Float64Array(2)];
    for (let i = 0; i < 50; i++) {
      const s = Float64Array.of(rng.uniformIn(-3, 3), rng.uniformIn(-3, 3));
      const a = Float64Array.of(rng.uniformIn(-1, 1), rng.uniformIn(-1, 1));
      assert.ok(Math.abs((await ort.risk(s, a)) - (await ts.risk(s, a))) < 1e-5);
      await ort.recover(s, out[0]);
      await ts.recover(s, out[1]);
      out[0].forEach((v, k) => assert.ok(Math.abs(v - out[1][k]) < 1e-5));
    }
    await ort.release();
  });

  it('never throws and always returns a finite in-bounds action, whatever the inputs', async () => {
    const number = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 0.9, 0));
    const vector = fc.oneof(fc.constant(null), fc.record({ values: fc.array(number, { maxLength: 4 }), stampNs: fc.oneof(fc.constant(NOW), fc.double()) }));
    const mode = fc.constantFrom('recovery', 'hold', 'passthrough') as fc.Arbitrary<ShieldOptions['fallback']>;
    await fc.assert(
      fc.asyncProperty(vector, vector, mode, async (obs, cmd, fallback) => {
        const d = await new Shield(models, { ...options, fallback }).decide(obs, cmd, NOW);
        for (const a of d.action) assert.ok(Number.isFinite(a) && a >= -1 && a <= 1);
        if (d.source === 'task') assert.ok(cmd !== null && cmd.values.every((v) => Number.isFinite(v)));
      }),
      { numRuns: 300 },
    );
  });
});
