import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { RecordingGate, Shield, ShieldStats, loadShieldModels, type OnlineTransition, type ShieldModels, type StampedVector } from '../../runtime/index.js';
import { gateBundle } from '../support/gate-bundle.js';

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
});
