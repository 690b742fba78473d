import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { pino } from 'pino';
import type { Decision } from '../../../runtime/core/decision.js';
import { FakeClock, InprocTransport, type AppliedMessage, type Gate, type ShieldStatus } from '../../../runtime/transport/index.js';
import { recordingGate, thresholdGate } from '../../support/gates.js';
import { captureLog, sleep, waitFor } from '../../support/mqtt.js';

const gateFor = () => recordingGate(thresholdGate({ observationSize: 3, actionSize: 2, threshold: 0.5 }));

async function started(ctx: TestContext, gate: Gate, options: ConstructorParameters<typeof InprocTransport>[1] = {}) {
  const clock = new FakeClock(1000);
  const log = captureLog();
  const t = new InprocTransport(gate, options, { clock, log });
  ctx.after(() => t.stop());
  const applied: AppliedMessage[] = [];
  const statuses: ShieldStatus[] = [];
  t.robot.onApplied((m) => applied.push(m));
  t.robot.onStatus((s) => statuses.push(s));
  await t.start();
  return { t, clock, log, applied, statuses };
}

describe('in-process transport', () => {
  it('gates every proposed command once, with the latest state, and answers with the proposal stamp', async (ctx) => {
    const gate = gateFor();
    const { t, clock, applied } = await started(ctx, gate);
    t.robot.sendState([1, 2, 3], 900);
    clock.advance(50);
    t.robot.sendProposed([0.2, -0.1], 1040);
    t.robot.sendProposed([0.9, 0.3]);
    assert.equal(gate.calls.length, 2);
    assert.deepEqual(gate.calls[0], { ...gate.calls[0], observation: { values: [1, 2, 3], stampNs: 900 }, proposed: { values: [0.2, -0.1], stampNs: 1040 }, nowNs: 1050 });
    assert.equal(gate.calls[1].proposed?.stampNs, 1050, 'an unstamped input is stamped on arrival');
    assert.deepEqual(
      applied.map((m) => [Array.from(m.values), m.stampNs, m.source, m.reason]),
      [
        [[0.2, -0.1], 1040, 'task', 'risk-acceptable'],
        [[0.5, 0.5 / 3], 1050, 'recovery', 'risk-too-high'],
      ],
    );
    assert.deepEqual({ ...t.stats }, { ticks: 2, interventions: 1, fallbacks: 0, invalidState: 0, invalidProposed: 0, gateErrors: 0, superseded: 0, droppedOffline: 0 });
    await t.stop();
  });

  it('passes null for an input never received and an empty vector for an invalid one, and logs why at a bounded rate', async (ctx) => {
    const gate = gateFor();
    const { t, clock, log, applied } = await started(ctx, gate);
    t.robot.sendProposed([0.1, 0.1]);
    assert.equal(gate.calls[0].observation, null);
    assert.equal(applied[0].reason, 'state-missing');
    t.robot.sendState([1, NaN, 3]);
    t.robot.sendProposed([0.1, 0.1]);
    assert.deepEqual(gate.calls[1].observation, { values: [], stampNs: 1000 });
    assert.equal(applied[1].reason, 'state-invalid');
    t.robot.sendState([1, 2, 3]);
    t.robot.sendProposed([0.1, Infinity]);
    t.robot.sendProposed([0.1, -Infinity]);
    assert.deepEqual(
      applied.slice(2).map((m) => [m.source, m.reason]),
      [
        ['fallback', 'command-invalid'],
        ['fallback', 'command-invalid'],
      ],
    );
    let warnings = log.lines.filter((l) => l.level === 'warn');
    assert.deepEqual(
      warnings.map((w) => [w.fields.input, w.fields.error]),
      [
        ['state', 'value 1 is NaN'],
        ['proposed', 'value 1 is Infinity'],
      ],
      'the second invalid command within a second is not logged',
    );
    clock.advance(1e9);
    t.robot.sendProposed([NaN, 0]);
    warnings = log.lines.filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 3);
    assert.equal(warnings[2].fields.suppressed, 1);
    assert.equal(t.stats.invalidState + t.stats.invalidProposed, 4);
    t.robot.sendProposed([]);
    assert.deepEqual(gate.calls.at(-1)?.proposed, { values: [], stampNs: clock.nowNs() });
    assert.equal(t.stats.invalidProposed, 3, 'a well-formed vector of the wrong size is the gate\'s to refuse, not the transport\'s');
    await t.stop();
  });

  it('reports the status on start, on every change of source or reason, and offline on stop', async (ctx) => {
    const { t, statuses } = await started(ctx, gateFor(), { statusIntervalMs: 60_000 });
    t.robot.sendState([0, 0, 0]);
    for (const a of [[0.1, 0], [0.2, 0], [0.9, 0], [0.8, 0], [0.1, 0]]) t.robot.sendProposed(a);
    await t.stop();
    assert.deepEqual(
      statuses.map((s) => [s.online, s.source, s.reason]),
      [
        [true, null, null],
        [true, 'task', 'risk-acceptable'],
        [true, 'recovery', 'risk-too-high'],
        [true, 'task', 'risk-acceptable'],
        [false, 'task', 'risk-acceptable'],
      ],
    );
    assert.equal(statuses.at(-1)?.interventions, 2);
  });

  it('copes with a gate that hands back the same decision object and action buffer every tick', async (ctx) => {
    const action = new Float64Array(1);
    const d = { action, source: 'task', reason: 'risk-acceptable', risk: 0, threshold: 0.5 } as { -readonly [K in keyof Decision]: Decision[K] };
    const gate: Gate = {
      decide: (_o, p) => {
        const v = p?.values[0] ?? 0;
        action[0] = Math.min(v, 0.5);
        [d.source, d.reason, d.risk] = v > 0.5 ? ['recovery', 'risk-too-high', v] : ['task', 'risk-acceptable', v];
        return d;
      },
    };
    const { t, applied, statuses } = await started(ctx, gate, { statusIntervalMs: 60_000 });
    for (const v of [0.1, 0.9, 0.2]) t.robot.sendProposed([v]);
    assert.deepEqual(applied.map((m) => m.values[0]), [0.1, 0.5, 0.2]);
    assert.deepEqual(statuses.slice(1).map((s) => s.source), ['task', 'recovery', 'task']);
  });

  it('republishes the status periodically', async (ctx) => {
    const { t, statuses } = await started(ctx, gateFor(), { statusIntervalMs: 20 });
    await waitFor(() => statuses.length >= 4, 'three periodic statuses', 2000);
    await t.stop();
  });

  it('keeps only the newest request while an asynchronous decision is in flight', async (ctx) => {
    const pending: ((d: Decision) => void)[] = [];
    const seen: number[] = [];
    const gate: Gate = {
      decide: (_o, p) => {
        seen.push(p?.values[0] ?? NaN);
        return new Promise<Decision>((resolve) => pending.push(resolve));
      },
    };
    const { t, applied } = await started(ctx, gate);
    for (const v of [1, 2, 3, 4]) t.robot.sendProposed([v], v);
    assert.deepEqual(seen, [1]);
    const answer = (v: number): Decision => ({ action: Float64Array.of(v), source: 'task', reason: 'risk-acceptable', risk: 0, threshold: 1 });
    pending.shift()?.(answer(1));
    await waitFor(() => seen.length === 2, 'the newest request to be decided');
    assert.deepEqual(seen, [1, 4]);
    pending.shift()?.(answer(4));
    await waitFor(() => applied.length === 2, 'two applied commands');
    assert.deepEqual(applied.map((m) => m.stampNs), [1, 4]);
    assert.equal(t.stats.superseded, 2);
    await t.stop();
  });

  it('survives a gate that throws, rejects or returns an action it cannot deliver, applying nothing for those ticks', async (ctx) => {
    let mode = 'throw';
    const gate: Gate = {
      decide: () => {
        if (mode === 'throw') throw new Error('model exploded');
        if (mode === 'reject') return Promise.reject(new Error('worker gone'));
        return { action: Float64Array.of(mode === 'nan' ? NaN : 0.5), source: 'task', reason: 'risk-acceptable', risk: 0, threshold: 1 };
      },
    };
    const { t, log, applied } = await started(ctx, gate, { invalidLogIntervalMs: 0 });
    t.robot.sendProposed([0.5]);
    mode = 'reject';
    t.robot.sendProposed([0.5]);
    await sleep(5);
    mode = 'nan';
    t.robot.sendProposed([0.5]);
    mode = 'ok';
    t.robot.sendProposed([0.5]);
    assert.equal(applied.length, 1);
    assert.equal(t.stats.gateErrors, 3);
    assert.deepEqual(
      log.lines.filter((l) => l.level === 'error').map((l) => l.fields.error),
      ['model exploded', 'worker gone', "the gate's action: value 0 is NaN"],
    );
    await t.stop();
  });

  it('decides at a fixed rate with the latest inputs in rate mode', async (ctx) => {
    const gate = gateFor();
    const { t, applied } = await started(ctx, gate, { tick: { mode: 'rate', hz: 200 } });
    t.robot.sendState([1, 2, 3], 5);
    t.robot.sendProposed([0.1, 0.2], 5);
    assert.equal(applied.length, 0, 'a proposal alone does not tick in rate mode');
    await waitFor(() => applied.length >= 3, 'three ticks', 2000);
    assert.ok(applied.every((m) => m.stampNs === 5 && m.source === 'task'));
    await t.stop();
    const n = applied.length;
    await sleep(30);
    assert.equal(applied.length, n, 'no tick after stop');
    assert.throws(() => new InprocTransport(gate, { tick: { mode: 'rate', hz: 0 } }), /not in \(0, 1000\]/);
  });

  it('logs through pino as structured lines', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => done(void lines.push(chunk.toString())) });
    const t = new InprocTransport(gateFor(), {}, { log: pino({ level: 'warn' }, sink) });
    await t.start();
    t.robot.sendState([0, NaN, 0]);
    await t.stop();
    const line = JSON.parse(lines[0]) as Record<string, unknown>;
    assert.deepEqual([line.level, line.input, line.error], [40, 'state', 'value 1 is NaN']);
  });

  it('ignores what is sent before start and after stop', async () => {
    const gate = gateFor();
    const t = new InprocTransport(gate);
    t.robot.sendProposed([0.1, 0.1]);
    await t.start();
    await t.stop();
    t.robot.sendProposed([0.1, 0.1]);
    assert.equal(gate.calls.length, 0);
  });
});
