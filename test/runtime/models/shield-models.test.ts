import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { Rng } from '../../../sim/index.js';
import { readBundleModels } from '../../../models/format/index.js';
import { loadShieldModels, openShieldModels, preOptimize, type Engine } from '../../../runtime/index.js';
import { gateBundle } from '../../support/gate-bundle.js';

describe('onnxruntime shield models', () => {
  it('answer within the call, without waiting for an event-loop turn, and agree with the public onnxruntime session', async () => {
    const dir = await gateBundle({ random: true });
    const models = await loadShieldModels(dir, 'onnxruntime');
    const reference = await ort.InferenceSession.create(readFileSync(join(dir, 'critic.onnx')));
    const rng = new Rng(5);
    for (let i = 0; i < 20; i++) {
      const s = Float64Array.of(rng.uniformIn(-3, 3), rng.uniformIn(-3, 3));
      const a = Float64Array.of(rng.uniformIn(-1, 1), rng.uniformIn(-1, 1));
      const risk = models.risk(s, a);
      assert.equal(typeof risk, 'number', 'risk() returned a promise: inference is deferred to the event loop');
      const feeds = { observation: new ort.Tensor('float32', Float32Array.from(s), [1, 2]), action: new ort.Tensor('float32', Float32Array.from(a), [1, 2]) };
      const expected = ((await reference.run(feeds)).risk.data as Float32Array)[0];
      assert.ok(Math.abs((risk as number) - expected) < 1e-6, `${risk} vs ${expected}`);
      const out = new Float64Array(2);
      assert.equal(models.recover(s, out), undefined);
      assert.ok(out.every(Number.isFinite));
    }
    await Promise.all([models.release(), reference.release()]);
  });

  it('open pre-optimized models with the same risks and recovery actions as the originals, on onnxruntime only', async () => {
    const bundle = await readBundleModels(await gateBundle({ random: true }));
    const optimized = { ...bundle, criticOnnx: await preOptimize(bundle.criticOnnx), recoveryOnnx: await preOptimize(bundle.recoveryOnnx) };
    const [plain, fast] = await Promise.all([openShieldModels(bundle), openShieldModels(optimized, 'onnxruntime', { preOptimized: true })]);
    const rng = new Rng(6);
    for (let i = 0; i < 50; i++) {
      const s = Float64Array.of(rng.uniformIn(-3, 3), rng.uniformIn(-3, 3));
      const a = Float64Array.of(rng.uniformIn(-1, 1), rng.uniformIn(-1, 1));
      assert.ok(Math.abs((fast.risk(s, a) as number) - (plain.risk(s, a) as number)) < 1e-6);
      const [x, y] = [new Float64Array(2), new Float64Array(2)];
      fast.recover(s, x);
      plain.recover(s, y);
      assert.ok(x.every((v, k) => Math.abs(v - y[k]) < 1e-6), `${x} against ${y}`);
    }
    await assert.rejects(openShieldModels(optimized, 'typescript', { preOptimized: true }), /only on onnxruntime/);
    await Promise.all([plain.release(), fast.release()]);
  });

  // A candidate is loaded on the control thread while it keeps ticking: in one piece the load
  // held the thread for about 2.5 ms and made the next ticks of a 1 kHz loop late.
  for (const [engine, steps] of [['onnxruntime', 6], ['typescript', 4]] as const) {
    it(`open a bundle's ${engine} models in ${steps} event-loop turns, one model step per turn`, async () => {
      const bundle = await readBundleModels(await gateBundle({ random: true }));
      let turns = 0;
      let counting = true;
      const count = () => {
        if (!counting) return;
        turns += 1;
        setImmediate(count);
      };
      setImmediate(count);
      const models = await openShieldModels(bundle, engine satisfies Engine);
      counting = false;
      assert.equal(turns, steps - 1, 'turns that ran between the steps of the load');
      await models.release();
    });
  }
});
