import type { Clock, TransportLog } from './ports.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * Logs each kind of event at most once per interval, with the number of events left out since the
 * last line, so that a flood of bad messages cannot flood the log (nothing per tick above `debug`).
 */
export class RateLimitedLog {
  readonly #last = new Map<string, { atNs: number; suppressed: number }>();
  readonly #intervalNs: number;

  constructor(
    readonly log: TransportLog,
    private readonly clock: Clock,
    intervalMs: number,
  ) {
    this.#intervalNs = intervalMs * 1e6;
  }

  write(level: Level, key: string, fields: object, message: string): void {
    const now = this.clock.nowNs();
    const last = this.#last.get(key);
    if (last !== undefined && now - last.atNs < this.#intervalNs) {
      last.suppressed++;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.#last.set(key, { atNs: now, suppressed: 0 });
    this.log[level](suppressed > 0 ? { ...fields, suppressed } : fields, message);
  }
}

export const silentLog: TransportLog = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
