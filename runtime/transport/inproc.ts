/**
 * The shield and the robot in one process, joined by direct calls: the same gate runner, input
 * checks, counters and status as the MQTT transport, without a broker. For simulation in the loop
 * and tests.
 */
import { epochClock } from './clock.js';
import { GateRunner } from './gate-runner.js';
import { validateVector } from './payload.js';
import type { AppliedMessage, Gate, RobotLink, ShieldStatus, ShieldTransport, StateReport, TickMode, TransportDeps, TransportStats } from './ports.js';
import { RateLimitedLog, silentLog } from './rate-limited-log.js';

export interface InprocOptions {
  readonly tick?: TickMode;
  readonly statusIntervalMs?: number;
  readonly invalidLogIntervalMs?: number;
}

export class InprocTransport implements ShieldTransport {
  /** The robot's end: what it sends reaches the gate synchronously once the transport has started. */
  readonly robot: RobotLink;
  readonly #runner: GateRunner;
  readonly #tick: TickMode;
  readonly #statusIntervalMs: number;
  readonly #applied = new Set<(m: AppliedMessage) => void>();
  readonly #status = new Set<(s: ShieldStatus) => void>();
  #timers: NodeJS.Timeout[] = [];
  #running = false;

  constructor(gate: Gate, options: InprocOptions = {}, deps: Omit<TransportDeps, 'random'> = {}) {
    const clock = deps.clock ?? epochClock;
    this.#tick = options.tick ?? { mode: 'on-command' };
    if (this.#tick.mode === 'rate' && !(this.#tick.hz > 0 && this.#tick.hz <= 1000)) throw new RangeError(`tick rate ${this.#tick.hz} Hz is not in (0, 1000]`);
    this.#statusIntervalMs = options.statusIntervalMs ?? 1000;
    this.#runner = new GateRunner({
      gate,
      clock,
      log: new RateLimitedLog(deps.log ?? silentLog, clock, options.invalidLogIntervalMs ?? 1000),
      deliver: (d, stampNs) => {
        // The same check an encoder makes on MQTT, so that both transports refuse the same actions.
        const action = validateVector(d.action);
        if (!action.ok) throw new RangeError(`the gate's action: ${action.error}`);
        const m: AppliedMessage = { values: action.message.values, stampNs, source: d.source, risk: d.risk, reason: d.reason, threshold: d.threshold };
        for (const l of this.#applied) l(m);
      },
      statusChanged: (s) => this.#emitStatus(s),
    });
    const send = (kind: 'state' | 'proposed', values: ArrayLike<number>, stampNs?: number, report: StateReport = {}) => {
      if (!this.#running) return;
      const input = validateVector(values, stampNs ?? null);
      this.#runner.accept(kind, input.ok ? { ok: true, message: { ...input.message, ...report } } : input);
      if (kind === 'proposed' && this.#tick.mode === 'on-command') this.#runner.tick();
    };
    this.robot = {
      sendState: (values, stampNs, report) => send('state', values, stampNs, report),
      sendProposed: (values, stampNs) => send('proposed', values, stampNs),
      onApplied: (l) => {
        this.#applied.add(l);
        return () => this.#applied.delete(l);
      },
      onStatus: (l) => {
        this.#status.add(l);
        return () => this.#status.delete(l);
      },
      close: async () => {
        this.#applied.clear();
        this.#status.clear();
      },
    };
  }

  get stats(): TransportStats {
    return this.#runner.stats;
  }

  status(): ShieldStatus {
    return this.#runner.status(this.#running);
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    // The timers alone never keep a process alive; the robot's side of the loop does.
    this.#timers.push(setInterval(() => this.#emitStatus(this.status()), this.#statusIntervalMs).unref());
    if (this.#tick.mode === 'rate') this.#timers.push(setInterval(() => this.#runner.tick(), 1000 / this.#tick.hz).unref());
    this.#emitStatus(this.status());
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.#emitStatus(this.status());
  }

  #emitStatus(s: ShieldStatus): void {
    for (const l of this.#status) l(s);
  }
}
