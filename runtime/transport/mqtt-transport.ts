/**
 * The shield on MQTT: state and proposed commands in, applied commands and a retained status out.
 *
 * Topics (names configurable, `<prefix>` defaults to `mesa_shield`):
 * - `<prefix>/state`, `<prefix>/proposed`: JSON or binary vectors (see payload.ts);
 * - `<prefix>/applied`: the action to apply, stamped with the proposal it answers;
 * - `<prefix>/status`: retained JSON status (status.ts), on change of source or reason and every
 *   `statusIntervalMs`; the broker replaces it with an offline status (the will) if the shield
 *   vanishes, and the shield writes one itself when it stops.
 */
import { epochClock } from './clock.js';
import { GateRunner } from './gate-runner.js';
import { MqttConnection } from './mqtt-connection.js';
import { mqttTransportOptionsSchema, parseOptions, resolveTopics, type MqttTransportOptions, type MqttTransportOptionsInput, type Topics } from './options.js';
import { decodeVector, encodeVector } from './payload.js';
import type { Clock, Gate, ShieldStatus, ShieldTransport, TransportDeps, TransportStats } from './ports.js';
import { RateLimitedLog, silentLog } from './rate-limited-log.js';
import { encodeStatus } from './status.js';

export class MqttShieldTransport implements ShieldTransport {
  readonly options: MqttTransportOptions;
  readonly topics: Topics;
  readonly #clock: Clock;
  readonly #log: RateLimitedLog;
  readonly #runner: GateRunner;
  readonly #connection: MqttConnection;
  #timers: NodeJS.Timeout[] = [];
  #stopped = false;

  constructor(gate: Gate, options: MqttTransportOptionsInput, deps: TransportDeps = {}) {
    this.options = parseOptions(mqttTransportOptionsSchema, options, 'MQTT transport');
    this.topics = resolveTopics(this.options.topics);
    this.#clock = deps.clock ?? epochClock;
    this.#log = new RateLimitedLog(deps.log ?? silentLog, this.#clock, this.options.invalidLogIntervalMs);
    this.#runner = new GateRunner({
      gate,
      clock: this.#clock,
      log: this.#log,
      deliver: (d, stampNs) => {
        const payload = encodeVector(d.action, { stampNs, source: d.source, risk: d.risk, reason: d.reason, threshold: d.threshold }, this.options.payload.output, this.options.payload.element);
        if (!this.#connection.publish(this.topics.applied, payload, this.options.qos.applied)) this.#runner.countDroppedOffline();
      },
      statusChanged: (s) => this.#publishStatus(s),
    });
    const { qos } = this.options;
    this.#connection = new MqttConnection(
      this.options,
      [
        { topic: this.topics.state, qos: qos.state },
        { topic: this.topics.proposed, qos: qos.proposed },
      ],
      { message: (topic, payload, retained) => this.#onMessage(topic, payload, retained), ready: () => this.#publishStatus(this.status()) },
      this.#log,
      { topic: this.topics.status, payload: encodeStatus(this.#runner.status(false)), qos: qos.status },
      deps.random,
    );
  }

  get stats(): TransportStats {
    return this.#runner.stats;
  }

  get connected(): boolean {
    return this.#connection.connected;
  }

  status(): ShieldStatus {
    return this.#runner.status(!this.#stopped && this.#connection.connected);
  }

  async start(): Promise<void> {
    if (this.#stopped) throw new Error('a stopped transport cannot start again; create a new one');
    await this.#connection.open();
    // The connection keeps the process alive, not these timers.
    this.#timers.push(setInterval(() => this.#publishStatus(this.status()), this.options.statusIntervalMs).unref());
    const tick = this.options.tick;
    if (tick.mode === 'rate') this.#timers.push(setInterval(() => this.#runner.tick(), 1000 / tick.hz).unref());
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    await this.#connection.publishAndWait(this.topics.status, encodeStatus(this.#runner.status(false)), this.options.qos.status, true, 500);
    await this.#connection.close();
  }

  #onMessage(topic: string, payload: Buffer, retained: boolean): void {
    if (topic === this.topics.state) {
      this.#runner.accept('state', decodeVector(payload, this.options.payload.input, this.options.payload.maxBytes), { topic });
    } else if (topic === this.topics.proposed) {
      if (retained) {
        // A retained command is an old one replayed by the broker, not the controller speaking now.
        this.#log.write('warn', 'retained-command', { topic }, 'ignored a retained proposed command');
        return;
      }
      this.#runner.accept('proposed', decodeVector(payload, this.options.payload.input, this.options.payload.maxBytes), { topic });
      if (this.options.tick.mode === 'on-command') this.#runner.tick();
    }
  }

  #publishStatus(s: ShieldStatus): void {
    if (!this.#stopped) this.#connection.publish(this.topics.status, encodeStatus(s), this.options.qos.status, true);
  }
}
