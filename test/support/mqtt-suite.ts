/**
 * The MQTT transport's behaviour against a real broker, run once per broker (aedes in-process,
 * and mosquitto when it is installed).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { packageRoot } from '../../sim/index.js';
import {
  MqttRobotLink,
  MqttShieldTransport,
  decodeStatus,
  decodeVector,
  encodeVector,
  type AppliedMessage,
  type Gate,
  type MqttTransportOptionsInput,
} from '../../runtime/transport/index.js';
import { recordingGate, thresholdGate } from './gates.js';
import { captureLog, rawClient, waitFor, type BrokerHarness } from './mqtt.js';

const FAST_RECONNECT = { initialMs: 20, maxMs: 200, factor: 2, jitter: 0.2 };
const text = (s: string) => new TextEncoder().encode(s);
const uniquePrefix = () => `test/${randomBytes(4).toString('hex')}`;
const standIn = () => recordingGate(thresholdGate({ observationSize: 3, actionSize: 2, threshold: 0.5 }));

export interface SuiteOptions {
  /** Iterations of the malformed-payload property. */
  readonly fuzzRuns: number;
}

export function mqttTransportSuite(makeHarness: () => Promise<BrokerHarness>, o: SuiteOptions): void {
  let broker: BrokerHarness;
  before(async () => {
    broker = await makeHarness();
  });
  after(() => broker.close());

  async function shield(ctx: TestContext, gate: Gate, options: Partial<MqttTransportOptionsInput> = {}) {
    const log = captureLog();
    const transport = new MqttShieldTransport(gate, { url: broker.url, topics: { prefix: uniquePrefix() }, reconnect: FAST_RECONNECT, ...options }, { log });
    ctx.after(() => transport.stop());
    await transport.start();
    return { transport, log, topics: transport.topics };
  }

  async function link(ctx: TestContext, options: Parameters<typeof MqttRobotLink.connect>[0]) {
    const l = await MqttRobotLink.connect({ reconnect: FAST_RECONNECT, ...options });
    ctx.after(() => l.close());
    return l;
  }

  async function raw(ctx: TestContext, subscriptions: Record<string, { qos: 0 | 1 | 2 }> = {}) {
    const c = await rawClient(broker.url, subscriptions);
    ctx.after(() => c.close());
    return c;
  }

  function nextApplied(l: MqttRobotLink, timeoutMs = 3000): Promise<AppliedMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no applied command within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = l.onApplied((m) => {
        clearTimeout(timer);
        off();
        resolve(m);
      });
    });
  }

  it('answers state + proposed with an applied command, in JSON and in binary', { timeout: 20_000 }, async (ctx) => {
    for (const encoding of ['json', 'binary'] as const) {
      const gate = standIn();
      const { topics } = await shield(ctx, gate, { payload: { output: encoding } });
      const l = await link(ctx, { url: broker.url, topics: { prefix: topics.state.replace(/\/state$/, '') }, encoding });
      const pending = nextApplied(l);
      l.sendState([1, 2, 3], 100);
      l.sendProposed([0.8, -0.2], 101);
      const m = await pending;
      assert.deepEqual(Array.from(m.values), [0.5, -0.125]);
      assert.equal(m.stampNs, 101);
      assert.equal(m.source, 'recovery');
      if (encoding === 'json') assert.deepEqual([m.risk, m.reason, m.threshold], [0.8, 'risk-too-high', 0.5]);
      assert.deepEqual(gate.calls[0].observation, { values: [1, 2, 3], stampNs: 100 });
    }
  });

  it('uses the configured topic names and QoS', { timeout: 20_000 }, async (ctx) => {
    for (const qos of [0, 1, 2] as const) {
      const prefix = uniquePrefix();
      const topics = { prefix, state: `${prefix}/odom`, applied: `${prefix}/cmd_vel` };
      const gate = standIn();
      await shield(ctx, gate, { topics, qos: { state: qos, proposed: qos, applied: qos, status: qos } });
      const c = await raw(ctx, { [`${prefix}/cmd_vel`]: { qos: 2 } });
      const pending = c.next(`${prefix}/cmd_vel`);
      c.client.publish(`${prefix}/odom`, Buffer.from(encodeVector([1, 2, 3], {}, 'json')), { qos });
      c.client.publish(`${prefix}/state`, Buffer.from(encodeVector([7, 7, 7], {}, 'json')), { qos });
      c.client.publish(`${prefix}/proposed`, Buffer.from(encodeVector([0.1, 0.1], { stampNs: 1 }, 'binary')), { qos });
      const m = await pending;
      assert.equal(m.qos, qos, 'delivered at the QoS the transport published with');
      assert.equal(gate.calls.length, 1);
      assert.deepEqual(gate.calls[0].observation?.values, [1, 2, 3], 'the state came from the configured topic only');
    }
  });

  it('leaves a retained status for late subscribers, and an offline one when it stops', { timeout: 20_000 }, async (ctx) => {
    const gate = standIn();
    const { transport, topics } = await shield(ctx, gate, { statusIntervalMs: 60_000 });
    const l = await link(ctx, { url: broker.url, topics: { prefix: topics.state.replace(/\/state$/, '') } });
    const pending = nextApplied(l);
    l.sendState([1, 2, 3]);
    l.sendProposed([0.9, 0]);
    await pending;
    const late = await raw(ctx);
    const retained = late.next(topics.status);
    await late.client.subscribeAsync(topics.status, { qos: 1 });
    const m = await retained;
    assert.equal(m.retain, true);
    assert.deepEqual(
      (({ online, source, reason, risk, threshold, ticks, interventions }) => ({ online, source, reason, risk, threshold, ticks, interventions }))(decodeStatus(m.payload) ?? ({} as never)),
      { online: true, source: 'recovery', reason: 'risk-too-high', risk: 0.9, threshold: 0.5, ticks: 1, interventions: 1 },
    );
    await transport.stop();
    const later = await raw(ctx);
    const offline = later.next(topics.status);
    await later.client.subscribeAsync(topics.status);
    assert.equal(decodeStatus((await offline).payload)?.online, false);
  });

  it('republishes the status periodically', { timeout: 10_000 }, async (ctx) => {
    const { topics } = await shield(ctx, standIn(), { statusIntervalMs: 30 });
    const c = await raw(ctx, { [topics.status]: { qos: 1 } });
    await waitFor(() => c.received.filter((r) => !r.retain).length >= 3, 'three periodic statuses', 3000);
  });

  it('leaves an offline status (its will) when the shield process dies without a goodbye', { timeout: 20_000 }, async (ctx) => {
    const prefix = uniquePrefix();
    const child = spawn(process.execPath, [join(packageRoot(), 'dist', 'test', 'support', 'shield-process.js'), broker.url, prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
    ctx.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`the shield process exited early (${code})`)));
    });
    const c = await raw(ctx, { [`${prefix}/status`]: { qos: 1 } });
    await waitFor(() => c.received.some((r) => decodeStatus(r.payload)?.online === true), 'the online status');
    child.kill('SIGKILL');
    await waitFor(() => c.received.some((r) => decodeStatus(r.payload)?.online === false), 'the will', 10_000);
  });

  it('does not act on a retained proposed command', { timeout: 10_000 }, async (ctx) => {
    const prefix = uniquePrefix();
    const c = await raw(ctx);
    await c.client.publishAsync(`${prefix}/proposed`, Buffer.from(encodeVector([0.1, 0.1], {}, 'json')), { retain: true, qos: 1 });
    try {
      const gate = standIn();
      const { log } = await shield(ctx, gate, { topics: { prefix } });
      await waitFor(() => log.lines.some((l) => l.message.includes('retained proposed')), 'the warning about a retained command');
      assert.equal(gate.calls.length, 0);
    } finally {
      await c.client.publishAsync(`${prefix}/proposed`, '', { retain: true, qos: 1 });
    }
  });

  it('decides at a fixed rate with the latest inputs in rate mode', { timeout: 10_000 }, async (ctx) => {
    const gate = standIn();
    const { topics } = await shield(ctx, gate, { tick: { mode: 'rate', hz: 100 } });
    const c = await raw(ctx, { [topics.applied]: { qos: 0 } });
    c.client.publish(topics.state, Buffer.from(encodeVector([1, 2, 3], {}, 'binary')));
    c.client.publish(topics.proposed, Buffer.from(encodeVector([0.1, 0.2], { stampNs: 9 }, 'binary')));
    await waitFor(() => c.received.length >= 5, 'five applied commands');
    assert.ok(c.received.every((r) => {
      const d = decodeVector(r.payload);
      return d.ok && d.message.stampNs !== null;
    }));
  });

  it('never crashes on malformed payloads: each one reaches the gate as an invalid input, gets a decision, and is logged (fast-check)', { timeout: 120_000 }, async (ctx) => {
    const gate = standIn();
    const { transport, log, topics } = await shield(ctx, gate, { invalidLogIntervalMs: 0, payload: { maxBytes: 1024 } });
    const c = await raw(ctx, { [topics.applied]: { qos: 0 } });
    const validState = Buffer.from(encodeVector([1, 2, 3], {}, 'binary'));
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.uint8Array({ minLength: 1025, maxLength: 1100 }),
      fc.string({ unit: 'binary', maxLength: 100 }).map(text),
      fc.jsonValue({ maxDepth: 3 }).map((v) => text(JSON.stringify(v) ?? 'null')),
      fc
        .record({ values: fc.array(fc.oneof(finite, fc.string(), fc.constant(null), fc.constant(1e400)), { maxLength: 4 }), stamp_ns: fc.oneof(fc.nat(), fc.double(), fc.string()) }, { requiredKeys: [] })
        .map((v) => text(JSON.stringify(v))),
      fc.tuple(fc.array(finite, { maxLength: 4 }), fc.nat(), fc.nat(255), fc.nat(64)).map(([values, at, byte, cut]) => {
        const b = encodeVector(values, { stampNs: 3 }, 'binary');
        b[at % b.length] = byte;
        return b.subarray(0, Math.min(cut, b.length));
      }),
    );
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('state', 'proposed' as const), payload, async (target, bytes) => {
        k++;
        const expected = decodeVector(bytes, 'auto', 1024);
        const invalidBefore = transport.stats.invalidState + transport.stats.invalidProposed;
        const pending = c.next(topics.applied);
        if (target === 'state') {
          c.client.publish(topics.state, Buffer.from(bytes));
          c.client.publish(topics.proposed, Buffer.from(encodeVector([0.1, 0.1], { stampNs: k }, 'binary')));
        } else {
          c.client.publish(topics.state, validState);
          c.client.publish(topics.proposed, Buffer.from(bytes));
        }
        const applied = decodeVector((await pending).payload);
        assert.ok(applied.ok, 'the applied payload decodes');
        const seen = gate.calls.at(-1)?.[target === 'state' ? 'observation' : 'proposed'];
        if (expected.ok) {
          assert.deepEqual(seen?.values, Array.from(expected.message.values));
          return;
        }
        assert.deepEqual(seen?.values, [], 'the gate saw an invalid (empty) input');
        assert.equal(applied.message.source, 'fallback');
        assert.equal(applied.message.reason, target === 'state' ? 'state-invalid' : 'command-invalid');
        assert.equal(transport.stats.invalidState + transport.stats.invalidProposed, invalidBefore + 1);
        const line = log.lines.at(-1);
        assert.equal(line?.fields.input, target);
        assert.equal(line?.fields.error, expected.error);
      }),
      { numRuns: o.fuzzRuns },
    );
    assert.ok(transport.connected);
    assert.equal(transport.stats.gateErrors, 0);
    assert.equal(log.lines.filter((l) => l.level === 'warn').length, transport.stats.invalidState + transport.stats.invalidProposed);
  });

  it('reconnects after the broker restarts mid-run and goes on deciding', { timeout: 60_000 }, async (ctx) => {
    const gate = standIn();
    const { transport, topics, log } = await shield(ctx, gate, { statusIntervalMs: 60_000 });
    const l = await link(ctx, { url: broker.url, topics: { prefix: topics.state.replace(/\/state$/, '') } });
    const before = nextApplied(l);
    l.sendState([1, 2, 3], 1);
    l.sendProposed([0.1, 0.1], 1);
    await before;
    await broker.restart(300);
    let stamp = 1;
    let m: AppliedMessage | null = null;
    const deadline = Date.now() + 15_000;
    while (m === null && Date.now() < deadline) {
      stamp++;
      const pending = nextApplied(l, 100).catch(() => null);
      l.sendState([1, 2, 3], stamp);
      l.sendProposed([0.2, 0.2], stamp);
      m = await pending;
    }
    assert.ok(m !== null, 'decisions flow again after the restart');
    assert.ok(transport.connected);
    const retries = log.lines.filter((line) => line.message.includes('retrying'));
    assert.equal(retries[0]?.level, 'warn', 'the lost connection is reported');
    assert.ok(retries.every((line) => (line.fields.retryInMs as number) <= FAST_RECONNECT.maxMs), 'every delay within the cap');
    assert.ok(gate.calls.length >= 2);
    const late = await raw(ctx);
    const status = late.next(topics.status);
    await late.client.subscribeAsync(topics.status);
    assert.equal(decodeStatus((await status).payload)?.online, true, 'the retained status is back on the new broker');
  });
}

