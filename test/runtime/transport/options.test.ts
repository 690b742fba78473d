import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MqttShieldTransport, TransportConfigError, backoffDelayMs, mqttTransportOptionsSchema, resolveTopics } from '../../../runtime/transport/index.js';
import { passthroughGate } from '../../support/gates.js';

describe('MQTT transport options', () => {
  it('default to on-command ticks, QoS 0 for data and 1 for the status, and topics under mesa_shield/ (as the shield config)', () => {
    const o = mqttTransportOptionsSchema.parse({ url: 'mqtt://127.0.0.1:1883' });
    assert.deepEqual(o.qos, { state: 0, proposed: 0, applied: 0, status: 1 });
    assert.deepEqual(o.tick, { mode: 'on-command' });
    assert.deepEqual(o.payload, { input: 'auto', output: 'json', element: 'float64', maxBytes: 65536 });
    assert.deepEqual(o.reconnect, { initialMs: 100, maxMs: 5000, factor: 2, jitter: 0.25 });
    assert.deepEqual(resolveTopics(o.topics), { state: 'mesa_shield/state', proposed: 'mesa_shield/proposed', applied: 'mesa_shield/applied', status: 'mesa_shield/status' });
  });

  it('take a prefix and single topic names', () => {
    const o = mqttTransportOptionsSchema.parse({ url: 'mqtt://localhost', topics: { prefix: 'robot7/shield', applied: 'robot7/cmd_vel' } });
    assert.deepEqual(resolveTopics(o.topics), { state: 'robot7/shield/state', proposed: 'robot7/shield/proposed', applied: 'robot7/cmd_vel', status: 'robot7/shield/status' });
  });

  it('name every wrong key in one error', () => {
    const bad = {
      url: 'http://127.0.0.1',
      qos: { applied: 3 },
      topics: { state: 'robots/+/state' },
      tick: { mode: 'rate', hz: 0 },
      reconnect: { initialMs: 500, maxMs: 100 },
      colour: 'red',
    };
    assert.throws(
      () => new MqttShieldTransport(passthroughGate(2), bad as never),
      (e: unknown) => {
        assert.ok(e instanceof TransportConfigError);
        for (const key of ['url', 'qos.applied', 'topics.state', 'tick.hz', 'reconnect.initialMs', '(options): Unrecognized key: "colour"']) assert.ok(e.message.includes(key), `${key} in\n${e.message}`);
        return true;
      },
    );
  });

  it('refuse TLS options on a plain-text URL, half a client certificate, and topics that collide', () => {
    const issues = (input: object) => (mqttTransportOptionsSchema.safeParse(input).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    assert.match(issues({ url: 'mqtt://127.0.0.1', tls: { ca: 'ca.pem' } }), /^tls: TLS options need an mqtts:\/\/ URL/m);
    assert.match(issues({ url: 'mqtts://127.0.0.1', tls: { cert: 'c.pem' } }), /^tls: a client certificate needs both cert and key/m);
    assert.equal(issues({ url: 'mqtts://127.0.0.1', tls: { cert: 'c.pem', key: 'k.pem', rejectUnauthorized: false } }), '');
    assert.match(issues({ url: 'mqtt://127.0.0.1', topics: { prefix: 'a', applied: 'a/state' } }), /^topics: the four topics must differ/m);
  });
});

describe('reconnection backoff', () => {
  it('grows by the factor from the initial delay and stops at the cap', () => {
    const o = { initialMs: 100, maxMs: 5000, factor: 2, jitter: 0 };
    assert.deepEqual([0, 1, 2, 5, 6, 100, 1e6].map((a) => backoffDelayMs(a, o)), [100, 200, 400, 3200, 5000, 5000, 5000]);
  });

  it('stays within [(1 - jitter) d, d] for any attempt and random draw', () => {
    fc.assert(
      fc.property(
        fc.nat(1000),
        fc.double({ min: 1, max: 1000, noNaN: true }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, initialMs, factor, jitter, u) => {
          const o = { initialMs, maxMs: 10 * initialMs, factor, jitter };
          const d = Math.min(o.maxMs, initialMs * factor ** Math.min(attempt, 64));
          const delay = backoffDelayMs(attempt, o, () => u);
          assert.ok(delay <= Math.round(d) && delay >= Math.floor((1 - jitter) * d), `${delay} outside [${(1 - jitter) * d}, ${d}]`);
        },
      ),
    );
  });
});
