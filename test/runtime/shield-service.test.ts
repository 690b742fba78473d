import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { RecordingGate, Shield, ShieldStats, loadShieldModels, type OnlineTransition, type ShieldModels, type StampedVector } from '../../runtime/index.js';
import { SHIELD_MAPPING, TransitionLogWriter, importLogs } from '../../runtime/log/index.js';
import { tempDir } from '../support/datasets.js';
import { gateBundle } from '../support/gate-bundle.js';

const tmp = tempDir();
after(tmp.remove);

const options = { epsSafe: 0.3, fallback: 'recovery', maxStateAgeMs: 1e6, maxCommandAgeMs: 1e6, hysteresis: null, maxBypassS: 5 } as const;

/** Records what the gate hands to online adaptation. */
function recorder() {
  const transitions: OnlineTransition[] = [];
  return {
    transitions,
    record: (t: OnlineTransition) => transitions.push({ ...t, obs: Array.from(t.obs), action: Array.from(t.action), nextObs: Array.from(t.nextObs) }),
    flush: () => {},
  };
}

describe('RecordingGate', () => {
  let models: ShieldModels;
  before(async () => {
    models = await loadShieldModels(await gateBundle(), 'typescript');
  });

  it('measures every decision and pairs consecutive states into transitions with the last action applied in each', async () => {
    const adaptation = recorder();
    const gate = new RecordingGate(new Shield(models, options), new ShieldStats(), null, adaptation);
    const state = (x: number, stampNs: number, extra: Partial<StampedVector> = {}): StampedVector => ({ values: [x, 0], stampNs, ...extra });
    const proposal = (a0: number, stampNs: number): StampedVector => ({ values: [a0, 0], stampNs });
    await gate.decide(state(1, 10), proposal(1, 10), 10); // risky: recovery (0.5, 0.5)
    await gate.decide(state(1, 10), proposal(0, 11), 11); // same state, a later command (0, 0) is the one applied in it
    await gate.decide(state(2, 20, { constraint: 1 }), proposal(0, 20), 20); // reaches a violating state
    await gate.decide(state(3, 30), proposal(0, 30), 30); // nothing starts from a violating state
    await gate.decide(state(4, 40, { episodeStart: true }), proposal(0, 40), 40); // a reset is not a transition
    await gate.decide(state(5, 50, { constraint: 0 }), proposal(1, 50), 50);
    assert.deepEqual(
      adaptation.transitions.map((t) => [t.obs[0], Array.from(t.action, (v) => Math.round(v * 1e6) / 1e6), t.nextObs[0], t.constraint, t.done]),
      [
        [1, [0, 0], 2, 1, true],
        [4, [0, 0], 5, 0, false],
      ],
    );
    const s = gate.stats.snapshot();
    assert.equal(s.ticks, 6);
    assert.ok(Math.abs(s.intervention_rate - 2 / 6) < 1e-12, "two risky proposals of six");
  });

  it('makes no transition from a state it could not use', async () => {
    const adaptation = recorder();
    const gate = new RecordingGate(new Shield(models, options), new ShieldStats(), null, adaptation);
    await gate.decide({ values: [1], stampNs: 10 }, { values: [0, 0], stampNs: 10 }, 10);
    await gate.decide({ values: [2, 0], stampNs: 20 }, { values: [0, 0], stampNs: 20 }, 20);
    await gate.decide({ values: [3, 0], stampNs: 30 }, { values: [0, 0], stampNs: 30 }, 30);
    assert.deepEqual(adaptation.transitions.map((t) => [t.obs[0], t.nextObs[0]]), [[2, 3]]);
    assert.equal(gate.stats.snapshot().fallback_rate, 1 / 3);
  });

  it('hands online adaptation the transitions that adapt --from-log makes of the log it writes, with commands at three times the state rate', async () => {
    const adaptation = recorder();
    const log = new TransitionLogWriter({ dir: join(tmp.dir, 'rate-mode') });
    const gate = new RecordingGate(new Shield(models, options), new ShieldStats(), log, adaptation, { maxGapMs: 250 });
    let stampNs = 0;
    for (let k = 0; k < 40; k++) {
      stampNs += k === 25 ? 1e9 : 20e6; // one state comes a second late: no transition spans it
      const state: StampedVector = { values: [k, -k], stampNs, ...(k % 9 === 4 ? { constraint: 1 as const } : { constraint: 0 as const }), ...(k === 15 ? { episodeStart: true } : {}) };
      for (let j = 0; j < 3; j++) {
        const tNs = stampNs + j * 6e6;
        await gate.decide(state, { values: [((k + j) % 5) / 4 - 0.5, j / 4], stampNs: tNs }, tNs);
      }
    }
    const { files } = await log.close();
    const { dataset: d, report } = await importLogs(files, SHIELD_MAPPING, { mappingName: 'default' });
    assert.equal(report.steps, 40, 'three ticks per state are one state');
    assert.deepEqual(report.skipped, { noObservation: 0, gap: 1, reset: 1, nonFinite: 0, afterViolation: 4, end: 1 });
    const f32 = (xs: ArrayLike<number>) => Array.from(xs, Math.fround);
    const online = adaptation.transitions;
    assert.equal(online.length, 39 - 6);
    assert.equal(d.meta.size, online.length);
    online.forEach((t, i) => {
      const o = d.meta.observationSize;
      const a = d.meta.actionSize;
      assert.deepEqual(Array.from(d.transitions.obs.subarray(i * o, (i + 1) * o)), f32(t.obs), `transition ${i}`);
      assert.deepEqual(Array.from(d.transitions.action.subarray(i * a, (i + 1) * a)), f32(t.action), `transition ${i}`);
      assert.deepEqual(Array.from(d.transitions.nextObs.subarray(i * o, (i + 1) * o)), f32(t.nextObs), `transition ${i}`);
      assert.equal(d.transitions.constraint[i], t.constraint);
      assert.notEqual(t.obs[0], t.nextObs[0], 'no transition from a state to itself');
    });
  });
});
