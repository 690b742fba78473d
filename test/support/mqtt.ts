/** Brokers and clients for MQTT tests, on 127.0.0.1 only. */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker, type TransportLog } from '../../runtime/transport/index.js';

/** A broker a test can restart on the same port. */
export interface BrokerHarness {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  /** Stops the broker (dropping every client and retained message) and starts a new one on the same port after `downMs`. */
  restart(downMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function aedesHarness(): Promise<BrokerHarness> {
  let broker: EmbeddedBroker = await startEmbeddedBroker();
  const port = broker.port;
  return {
    name: 'aedes',
    url: broker.url,
    port,
    async restart(downMs = 200) {
      await broker.close();
      await sleep(downMs);
      broker = await startEmbeddedBroker({ port });
    },
    close: () => broker.close(),
  };
}

/** The mosquitto executable, or null: on PATH, or where Debian puts it (/usr/sbin is not on every user's PATH). */
export function findMosquitto(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'].filter((d) => d !== '');
  for (const d of dirs) {
    const candidate = join(d, 'mosquitto');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export const MOSQUITTO_SKIP_REASON = 'mosquitto is not installed (apt-get install mosquitto); the aedes variant of these tests still runs';

/**
 * A mosquitto we spawn with a minimal config: one listener on 127.0.0.1, anonymous clients, no
 * persistence, and TCP_NODELAY (without it small messages wait for delayed ACKs, ~40 ms).
 */
export async function mosquittoHarness(executable: string): Promise<BrokerHarness> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mesa-mosquitto-'));
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\nlog_dest stderr\nlog_type error\n`);
  let child: ChildProcess = await spawnMosquitto(executable, config, port);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return {
    name: 'mosquitto',
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async restart(downMs = 200) {
      await stop();
      await sleep(downMs);
      child = await spawnMosquitto(executable, config, port);
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function spawnMosquitto(executable: string, config: string, port: number): Promise<ChildProcess> {
  const child = spawn(executable, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}: ${stderr}`);
    if (await accepts(port)) return child;
    await sleep(20);
  }
  child.kill('SIGKILL');
  throw new Error(`mosquitto did not listen on 127.0.0.1:${port} within 5 s: ${stderr}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** A plain MQTT client that records what arrives on the topics it subscribes to. */
export interface RawClient {
  readonly client: MqttClient;
  readonly received: { topic: string; payload: Buffer; retain: boolean; qos: number }[];
  /** Resolves with the next message on `topic` after this call. */
  next(topic: string, timeoutMs?: number): Promise<{ payload: Buffer; retain: boolean; qos: number }>;
  close(): Promise<void>;
}

export async function rawClient(url: string, subscriptions: Record<string, { qos: 0 | 1 | 2 }> = {}): Promise<RawClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 50, connectTimeout: 2000 });
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const received: RawClient['received'] = [];
  const waiters: { topic: string; resolve: (m: { payload: Buffer; retain: boolean; qos: number }) => void }[] = [];
  client.on('message', (topic, payload, packet) => {
    const m = { topic, payload, retain: packet.retain, qos: packet.qos };
    received.push(m);
    const i = waiters.findIndex((w) => w.topic === topic);
    if (i >= 0) waiters.splice(i, 1)[0].resolve(m);
  });
  if (Object.keys(subscriptions).length > 0) await client.subscribeAsync(subscriptions);
  return {
    client,
    received,
    next(topic, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message on ${topic} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          topic,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    close: () => client.endAsync(true),
  };
}

/** A transport log that keeps every line. */
export function captureLog(): TransportLog & { readonly lines: { level: string; fields: Record<string, unknown>; message: string }[] } {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: object, message: string) => void lines.push({ level, fields: fields as Record<string, unknown>, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
