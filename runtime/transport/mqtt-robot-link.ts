/**
 * The robot or controller side of the MQTT transport: publishes state and proposed commands,
 * receives applied commands and the status. Used by the simulation loop, the benchmark and the
 * tests; a real robot bridge can use it too.
 */
import { MqttConnection } from './mqtt-connection.js';
import { mqttRobotLinkOptionsSchema, parseOptions, resolveTopics, type MqttRobotLinkOptions, type MqttRobotLinkOptionsInput, type Topics } from './options.js';
import { decodeVector, encodeVector } from './payload.js';
import type { AppliedMessage, RobotLink, ShieldStatus, StateReport, TransportLog } from './ports.js';
import { epochClock } from './clock.js';
import { RateLimitedLog, silentLog } from './rate-limited-log.js';
import { decodeStatus } from './status.js';

/** The shield is trusted to send what fits its own limit (65535 values), in either encoding. */
const APPLIED_MAX_BYTES = 4 * 1024 * 1024;

export class MqttRobotLink implements RobotLink {
  readonly options: MqttRobotLinkOptions;
  readonly topics: Topics;
  readonly #connection: MqttConnection;
  readonly #log: RateLimitedLog;
  readonly #applied = new Set<(m: AppliedMessage) => void>();
  readonly #status = new Set<(s: ShieldStatus) => void>();

  private constructor(options: MqttRobotLinkOptions, log: TransportLog) {
    this.options = options;
    this.topics = resolveTopics(options.topics);
    this.#log = new RateLimitedLog(log, epochClock, 1000);
    this.#connection = new MqttConnection(
      options,
      [
        { topic: this.topics.applied, qos: options.qos.applied },
        { topic: this.topics.status, qos: options.qos.status },
      ],
      { message: (topic, payload) => this.#onMessage(topic, payload), ready: () => {} },
      this.#log,
    );
  }

  /** Resolves once connected and subscribed; keeps retrying until then, or until `signal` aborts. */
  static async connect(options: MqttRobotLinkOptionsInput, log: TransportLog = silentLog, signal?: AbortSignal): Promise<MqttRobotLink> {
    const link = new MqttRobotLink(parseOptions(mqttRobotLinkOptionsSchema, options, 'MQTT robot link'), log);
    const abort = () => void link.close();
    signal?.throwIfAborted();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await link.#connection.open();
    } finally {
      signal?.removeEventListener('abort', abort);
    }
    return link;
  }

  get connected(): boolean {
    return this.#connection.connected;
  }

  sendState(values: ArrayLike<number>, stampNs?: number, report: StateReport = {}): void {
    this.#send(this.topics.state, values, stampNs, this.options.qos.state, report);
  }

  sendProposed(values: ArrayLike<number>, stampNs?: number): void {
    this.#send(this.topics.proposed, values, stampNs, this.options.qos.proposed);
  }

  onApplied(listener: (applied: AppliedMessage) => void): () => void {
    this.#applied.add(listener);
    return () => this.#applied.delete(listener);
  }

  onStatus(listener: (status: ShieldStatus) => void): () => void {
    this.#status.add(listener);
    return () => this.#status.delete(listener);
  }

  close(): Promise<void> {
    this.#applied.clear();
    this.#status.clear();
    return this.#connection.close();
  }

  #send(topic: string, values: ArrayLike<number>, stampNs: number | undefined, qos: 0 | 1 | 2, report: StateReport = {}): void {
    this.#connection.publish(topic, encodeVector(values, { stampNs: stampNs ?? null, ...report }, this.options.encoding, this.options.element), qos);
  }

  #onMessage(topic: string, payload: Buffer): void {
    if (topic === this.topics.applied) {
      const r = decodeVector(payload, 'auto', APPLIED_MAX_BYTES);
      if (!r.ok || r.message.source === undefined || r.message.stampNs === null) {
        this.#log.write('warn', 'bad-applied', { topic, error: r.ok ? 'no source or stamp' : r.error }, 'ignored an applied payload');
        return;
      }
      const { values, stampNs, source, risk, reason, threshold } = r.message;
      const m: AppliedMessage = {
        values,
        stampNs,
        source,
        ...(risk === undefined ? {} : { risk }),
        ...(reason === undefined ? {} : { reason }),
        ...(threshold === undefined ? {} : { threshold }),
      };
      for (const l of this.#applied) l(m);
    } else if (topic === this.topics.status) {
      const s = decodeStatus(payload);
      if (s !== null) for (const l of this.#status) l(s);
    }
  }
}
