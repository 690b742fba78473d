/**
 * One MQTT client connection that stays up: it subscribes again after every (re)connection and
 * retries with bounded exponential backoff and jitter (mqtt.js only retries at a fixed period).
 * Sessions are clean and QoS 0 messages are never queued while offline: a command that could not
 * be sent on time must not arrive late.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { backoffDelayMs } from './backoff.js';
import type { ConnectionOptions } from './options.js';
import type { RateLimitedLog } from './rate-limited-log.js';

export type QoS = 0 | 1 | 2;

export interface Subscription {
  readonly topic: string;
  readonly qos: QoS;
}

export interface Will {
  readonly topic: string;
  readonly payload: string;
  readonly qos: QoS;
}

export interface ConnectionHooks {
  /** `retained`: delivered from the broker's store on subscription rather than published now. */
  message(topic: string, payload: Buffer, retained: boolean, qos: QoS): void;
  /** After every connection, once the subscriptions are in place. */
  ready(): void;
}

export class MqttConnection {
  #client: MqttClient | null = null;
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #closing = false;
  #opened: { resolve: () => void; reject: (e: Error) => void } | null = null;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly subscriptions: readonly Subscription[],
    private readonly hooks: ConnectionHooks,
    private readonly log: RateLimitedLog,
    private readonly will?: Will,
    private readonly random: () => number = Math.random,
  ) {}

  get connected(): boolean {
    return this.#client?.connected === true;
  }

  /** Resolves at the first successful connection; until then it keeps retrying. Rejects if closed first. */
  open(): Promise<void> {
    if (this.#client !== null) throw new Error('the connection is already open');
    const client = mqtt.connect(this.options.url, this.#clientOptions());
    this.#client = client;
    client.on('connect', () => this.#onConnect(client));
    client.on('close', () => this.#onClose(client));
    client.on('error', (e) => this.log.write('warn', 'mqtt-error', { url: this.options.url, error: e.message }, 'MQTT connection error'));
    client.on('message', (topic, payload, packet) => this.hooks.message(topic, payload, packet.retain, packet.qos));
    return new Promise((resolve, reject) => {
      this.#opened = { resolve, reject };
    });
  }

  /** False when offline: the message is dropped, not queued. */
  publish(topic: string, payload: Uint8Array | string, qos: QoS, retain = false): boolean {
    const client = this.#client;
    if (client === null || !client.connected) return false;
    client.publish(topic, typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), { qos, retain });
    return true;
  }

  /** Waits until the broker has the message (QoS 1 ack), for the last words before a disconnect. */
  async publishAndWait(topic: string, payload: string, qos: QoS, retain: boolean, timeoutMs: number): Promise<boolean> {
    const client = this.#client;
    if (client === null || !client.connected) return false;
    const sent = client.publishAsync(topic, payload, { qos, retain }).then(
      () => true,
      () => false,
    );
    return Promise.race([sent, delay(timeoutMs).then(() => false)]);
  }

  /** Disconnects cleanly when connected (so the broker drops the will), else just stops retrying. */
  async close(timeoutMs = 1000): Promise<void> {
    this.#closing = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#opened?.reject(new Error('the connection was closed before it was established'));
    this.#opened = null;
    const client = this.#client;
    this.#client = null;
    if (client === null) return;
    const graceful = client.connected;
    const ended = new Promise<void>((resolve) => client.end(!graceful, {}, () => resolve()));
    if (!(await Promise.race([ended.then(() => true), delay(timeoutMs).then(() => false)]))) {
      await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    }
  }

  #clientOptions(): IClientOptions {
    const o = this.options;
    const tls = o.tls;
    return {
      clientId: o.clientId ?? `mesa-shield-${randomBytes(6).toString('hex')}`,
      ...(o.username === undefined ? {} : { username: o.username }),
      ...(o.password === undefined ? {} : { password: o.password }),
      ...(tls === undefined
        ? {}
        : {
            ...(tls.ca === undefined ? {} : { ca: readFileSync(tls.ca) }),
            ...(tls.cert === undefined ? {} : { cert: readFileSync(tls.cert) }),
            ...(tls.key === undefined ? {} : { key: readFileSync(tls.key) }),
            rejectUnauthorized: tls.rejectUnauthorized,
          }),
      protocolVersion: 4,
      clean: true,
      keepalive: o.keepaliveS,
      connectTimeout: o.connectTimeoutMs,
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: false,
      ...(this.will === undefined ? {} : { will: { ...this.will, retain: true } }),
    };
  }

  #onConnect(client: MqttClient): void {
    if (client !== this.#client) return;
    // Nagle's algorithm would hold a small command back until the previous one is acknowledged.
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    const topics = Object.fromEntries(this.subscriptions.map((s) => [s.topic, { qos: s.qos }]));
    client.subscribe(topics, (err, granted) => {
      if (client !== this.#client) return;
      if (err) {
        this.log.write('error', 'subscribe-failed', { error: err.message }, 'subscribing failed; reconnecting');
        client.end(true);
        return;
      }
      for (const g of granted ?? []) {
        if (g.qos === 128) this.log.write('error', `refused-${g.topic}`, { topic: g.topic }, 'the broker refused a subscription; nothing will arrive on this topic');
      }
      this.#attempt = 0;
      this.log.log.info({ url: this.options.url, clientId: client.options.clientId }, 'MQTT connected and subscribed');
      this.hooks.ready();
      this.#opened?.resolve();
      this.#opened = null;
    });
  }

  #onClose(client: MqttClient): void {
    if (this.#closing || client !== this.#client || this.#retryTimer !== null) return;
    const waitMs = backoffDelayMs(this.#attempt, this.options.reconnect, this.random);
    this.log.write(this.#attempt === 0 ? 'warn' : 'debug', `retry-${this.#attempt === 0 ? 'first' : 'next'}`, { url: this.options.url, attempt: this.#attempt, retryInMs: waitMs }, 'MQTT connection down; retrying');
    this.#attempt++;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#closing) client.reconnect();
    }, waitMs);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
