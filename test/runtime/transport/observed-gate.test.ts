import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Decision } from '../../../runtime/core/decision.js';
import { FakeClock, observeGate, tickRecord, type Gate, type ObservedDecision } from '../../../runtime/transport/index.js';
import { thresholdGate } from '../../support/gates.js';

describe('observed gate', () => {
  it('reports each decision with its inputs and latency before returning it, for synchronous and asynchronous gates', async () => {
    const inner = thresholdGate({ observationSize: 1, actionSize: 1, threshold: 0.5 });
    const latency = new FakeClock(0);
    const slow: Gate = {
      decide(o, p, now) {
        latency.advance(7000);
        return Promise.resolve(inner.decide(o, p, now) as Decision);
      },
    };
    for (const gate of [inner, slow]) {
      const seen: ObservedDecision[] = [];
      const observed = observeGate(gate, (o) => seen.push(o), latency);
      const d = await observed.decide({ values: [1], stampNs: 5 }, { values: [0.9], stampNs: 6 }, 10);
      assert.equal(seen.length, 1);
      assert.equal(seen[0].decision, d);
      assert.equal(seen[0].nowNs, 10);
      assert.deepEqual(seen[0].proposed, { values: [0.9], stampNs: 6 });
      assert.equal(seen[0].latencyNs, gate === slow ? 7000 : 0);
    }
  });

  it('turns a report into a transition-log record that does not share the gate buffers', () => {
    const action = new Float64Array([0.5]);
    const record = tickRecord({ nowNs: 3, observation: null, proposed: { values: [0.9], stampNs: 1 }, decision: { action, source: 'recovery', risk: 0.8, reason: 'risk-too-high', threshold: 0.5 }, latencyNs: 1 });
    action[0] = 9;
    assert.deepEqual(record, { tNs: 3, observation: new Float64Array(0), proposed: new Float64Array([0.9]), applied: new Float64Array([0.5]), risk: 0.8, source: 'recovery', reason: 'risk-too-high' });
  });
});
