import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { readTransitionLog } from '../../runtime/log/index.js';
import { MqttRobotLink, type AppliedMessage } from '../../runtime/transport/index.js';
import { packageRoot } from '../../sim/index.js';
import { runCli } from '../support/cli.js';
import { gateBundle } from '../support/gate-bundle.js';

function writeConfig(dir: string, body: string): string {
  const path = join(dir, 'shield.yaml');
  writeFileSync(path, body);
  return path;
}

describe('mesa-shield shield', () => {
  it('--check validates the config and the bundle; a bad key is named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesa-shield-cli-'));
    const bundle = await gateBundle();
    const ok = runCli(['shield', '--config', writeConfig(dir, `bundle: ${bundle}\nshield:\n  eps_safe: 0.2\n`), '--check']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /valid.*eps_safe 0\.2/);
    const bad = runCli(['shield', '--config', writeConfig(dir, `bundle: ${bundle}\ntransport:\n  mqtt:\n    qos: 3\n`), '--check']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /transport\.mqtt\.qos/);
  });

  it('says what to do when the embedded broker\'s port is taken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesa-shield-cli-'));
    const bundle = await gateBundle();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const r = runCli(['shield', '--config', writeConfig(dir, `bundle: ${bundle}\nshield: { engine: typescript }\ntransport: { mqtt: { embedded_port: ${port} } }\n`)]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}.*embedded_port`));
    } finally {
      server.close();
    }
  });

  it('waits for a broker that is not there yet, and a SIGTERM meanwhile stops it cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesa-shield-cli-'));
    const bundle = await gateBundle();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const config = writeConfig(dir, [`bundle: ${bundle}`, 'shield: { engine: typescript }', `transport: { mqtt: { broker: "mqtt://127.0.0.1:${port}" } }`].join('\n'));
    const child = spawn(process.execPath, [join(packageRoot(), 'dist', 'cli', 'main.js'), 'shield', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const messages: string[] = [];
    const refused = new Promise<void>((resolve) =>
      createInterface({ input: child.stdout }).on('line', (text) => {
        messages.push((JSON.parse(text) as { msg: string }).msg);
        if (messages.at(-1) === 'MQTT connection error') resolve();
      }),
    );
    await Promise.race([refused, exited.then(() => assert.fail(`exited before reaching for the broker: ${stderr}`))]);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.deepEqual(messages.filter((m) => !m.startsWith('MQTT connection')), ['connecting to the MQTT broker', 'stopped before the shield ran']);
  });

  it('gates commands arriving over MQTT, records them, logs stats and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesa-shield-cli-'));
    const bundle = await gateBundle();
    const config = writeConfig(
      dir,
      [
        `bundle: ${bundle}`,
        'shield: { engine: typescript }',
        'logging: { level: info, stats_interval_s: 0.2 }',
        'transport: { mqtt: { embedded_port: 0, prefix: robot1 } }',
        `log: { dir: ${join(dir, 'log')} }`,
      ].join('\n'),
    );
    const child = spawn(process.execPath, [join(packageRoot(), 'dist', 'cli', 'main.js'), 'shield', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: { msg: string; url?: string; ticks?: number }[] = [];
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = (msg: string) =>
      new Promise<(typeof lines)[number]>((resolve, reject) => {
        const found = lines.find((l) => l.msg === msg);
        if (found) return resolve(found);
        const timer = setTimeout(() => reject(new Error(`no "${msg}" log line; stderr: ${stderr}`)), 60_000);
        const check = (l: (typeof lines)[number]) => {
          if (l.msg !== msg) return;
          clearTimeout(timer);
          resolve(l);
        };
        listeners.push(check);
      });
    const listeners: ((l: (typeof lines)[number]) => void)[] = [];
    createInterface({ input: child.stdout }).on('line', (text) => {
      const l = JSON.parse(text) as (typeof lines)[number];
      lines.push(l);
      for (const f of listeners) f(l);
    });
    try {
      const { url } = await waitFor('embedded MQTT broker listening');
      await waitFor('shield running');
      const link = await MqttRobotLink.connect({ url: url!, topics: { prefix: 'robot1' } });
      const applied: AppliedMessage[] = [];
      link.onApplied((m) => applied.push(m));
      // Stamps are nanoseconds since the Unix epoch, as a robot's clock gives them.
      const epochNs = () => Date.now() * 1e6;
      // Risk grows with the proposed a0 (see gateBundle): 0 passes, 1 is replaced by the recovery action (0.5, 0.5).
      for (const [k, a0] of [0, 1, 0, 1].entries()) {
        link.sendState([k, 0], epochNs(), { constraint: 0 });
        link.sendProposed([a0, 0], epochNs());
        await new Promise((r) => setTimeout(r, 50));
      }
      // A state stamped a second ago is stale (max_state_age_ms 100): without a usable state the fail-safe holds the neutral action.
      link.sendState([4, 0], epochNs() - 1e9, { constraint: 0 });
      link.sendProposed([0, 0], epochNs());
      const deadline = Date.now() + 10_000;
      while (applied.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await link.close();
      assert.deepEqual(
        applied.map((m) => [m.source, ...Array.from(m.values, (v) => Math.round(v * 1e6) / 1e6)]),
        [
          ['task', 0, 0],
          ['recovery', 0.5, 0.5],
          ['task', 0, 0],
          ['recovery', 0.5, 0.5],
          ['fallback', 0, -0.25],
        ],
      );
      assert.equal(applied[4].reason, 'state-stale');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    const last = lines.filter((l) => l.msg === 'stats').at(-1);
    assert.equal(last?.ticks, 5, 'the final stats count every decision');
    const files = readdirSync(join(dir, 'log')).filter((f) => f.endsWith('.mcap'));
    assert.equal(files.length, 1);
    const log = await readTransitionLog(join(dir, 'log', files[0]));
    assert.deepEqual(
      log.records.map((t) => [t.source, t.constraint]),
      [['task', 0], ['recovery', 0], ['task', 0], ['recovery', 0], ['fallback', 0]],
    );
  });
});
