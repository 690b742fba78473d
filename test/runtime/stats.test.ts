import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShieldStats, type Decision } from '../../runtime/index.js';

const decision = (source: Decision['source'], reason: Decision['reason']): Decision => ({ action: new Float64Array(1), source, risk: null, reason, threshold: 0.3 });

describe('shield stats', () => {
  it('counts interventions, fallbacks by reason and failures, with latency percentiles within 2%', () => {
    const stats = new ShieldStats();
    for (let i = 1; i <= 1000; i++) stats.record(decision('task', 'risk-acceptable'), i * 1000);
    for (let i = 0; i < 100; i++) stats.record(decision('recovery', 'risk-too-high'), 5000);
    for (let i = 0; i < 50; i++) stats.record(decision('fallback', 'state-stale'), 5000);
    for (let i = 0; i < 10; i++) stats.record(decision('fallback', 'inference-error'), 5000);
    const s = stats.snapshot();
    assert.equal(s.ticks, 1160);
    assert.ok(Math.abs(s.intervention_rate - 100 / 1160) < 1e-12);
    assert.ok(Math.abs(s.fallback_rate - 60 / 1160) < 1e-12);
    assert.ok(Math.abs(s.failure_rate - 10 / 1160) < 1e-12);
    assert.deepEqual(s.fallbacks, { 'state-stale': 50, 'inference-error': 10 });
    assert.equal(s.latency_us.max, 1000);
    assert.ok(Math.abs(s.latency_us.p99 / 993 - 1) < 0.03, `p99 ${s.latency_us.p99}`);
    stats.reset();
    assert.equal(stats.snapshot().ticks, 0);
  });
});
