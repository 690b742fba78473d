import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { MqttRobotLink, MqttShieldTransport, startEmbeddedBroker, type EmbeddedBroker, type MqttTransportOptionsInput } from '../../../runtime/transport/index.js';
import { passthroughGate } from '../../support/gates.js';
import { captureLog, sleep, waitFor } from '../../support/mqtt.js';

const FAST_RECONNECT = { initialMs: 20, maxMs: 100, factor: 2, jitter: 0 };

/** Starts a transport and reports whether it connected within `ms`; it is stopped when the test ends. */
async function connects(ctx: TestContext, options: MqttTransportOptionsInput, ms = 1500) {
  const log = captureLog();
  const transport = new MqttShieldTransport(passthroughGate(2), { reconnect: FAST_RECONNECT, ...options }, { log });
  ctx.after(() => transport.stop());
  const started = transport.start().then(
    () => true,
    () => false,
  );
  const ok = await Promise.race([started, sleep(ms).then(() => false)]);
  return { ok, log, transport };
}

async function roundTrip(ctx: TestContext, transport: MqttShieldTransport, options: Parameters<typeof MqttRobotLink.connect>[0]) {
  const link = await MqttRobotLink.connect(options);
  ctx.after(() => link.close());
  const applied = new Promise((resolve) => link.onApplied(resolve));
  link.sendState([0, 0]);
  link.sendProposed([0.3, 0.4], 5);
  return applied;
}

describe('MQTT transport credentials', () => {
  let broker: EmbeddedBroker;
  before(async () => {
    broker = await startEmbeddedBroker({ username: 'robot', password: 's3cret' });
  });
  after(() => broker.close());

  it('connects with the right username and password', { timeout: 10_000 }, async (ctx) => {
    const { ok, transport } = await connects(ctx, { url: broker.url, username: 'robot', password: 's3cret' });
    assert.ok(ok);
    const m = (await roundTrip(ctx, transport, { url: broker.url, username: 'robot', password: 's3cret' })) as { stampNs: number };
    assert.equal(m.stampNs, 5);
  });

  it('keeps retrying, and says why, when the broker refuses the credentials', { timeout: 10_000 }, async (ctx) => {
    const { ok, log } = await connects(ctx, { url: broker.url, username: 'robot', password: 'wrong' }, 500);
    assert.equal(ok, false);
    assert.ok(log.lines.some((l) => /Bad username or password|Not authorized/i.test(String(l.fields.error))), JSON.stringify(log.lines));
    assert.ok(log.lines.filter((l) => /retrying/.test(l.message)).length >= 1);
  });
});

const openssl = spawnSync('openssl', ['version']).status === 0;

describe('MQTT transport over TLS', { skip: openssl ? false : 'openssl is not installed, so no test certificate can be made' }, () => {
  let dir: string;
  let broker: EmbeddedBroker;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mesa-tls-'));
    const r = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    broker = await startEmbeddedBroker({ tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } });
  });
  after(async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects to an mqtts:// broker whose certificate the given CA signs', { timeout: 10_000 }, async (ctx) => {
    assert.match(broker.url, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const tls = { ca: join(dir, 'cert.pem') };
    const { ok, transport } = await connects(ctx, { url: broker.url, tls });
    assert.ok(ok);
    const m = (await roundTrip(ctx, transport, { url: broker.url, tls })) as { stampNs: number };
    assert.equal(m.stampNs, 5);
  });

  it('refuses a certificate it cannot verify unless told not to verify', { timeout: 10_000 }, async (ctx) => {
    const strict = await connects(ctx, { url: broker.url }, 500);
    assert.equal(strict.ok, false);
    await waitFor(() => strict.log.lines.some((l) => /self[- ]signed|certificate/i.test(String(l.fields.error))), 'a certificate error in the log');
    const lax = await connects(ctx, { url: broker.url, tls: { rejectUnauthorized: false } });
    assert.ok(lax.ok);
  });

  it('fails to start with the path when a PEM file is missing', async (ctx) => {
    const transport = new MqttShieldTransport(passthroughGate(2), { url: broker.url, tls: { ca: join(dir, 'missing.pem') } });
    ctx.after(() => transport.stop());
    await assert.rejects(transport.start(), /missing\.pem/);
  });
});
