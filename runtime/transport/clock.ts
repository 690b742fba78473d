import type { Clock } from './ports.js';

/** `performance.now()` in nanoseconds: monotonic, and available in every JavaScript runtime. */
export const monotonicClock: Clock = {
  nowNs: () => Math.round(performance.now() * 1e6),
};

/** A clock that moves only when told to: for tests and for simulated time. */
export class FakeClock implements Clock {
  #ns: number;

  constructor(startNs = 0) {
    this.#ns = startNs;
  }

  nowNs(): number {
    return this.#ns;
  }

  set(ns: number): void {
    if (!(ns >= this.#ns)) throw new RangeError(`a monotonic clock cannot go back from ${this.#ns} to ${ns}`);
    this.#ns = ns;
  }

  advance(ns: number): void {
    this.set(this.#ns + ns);
  }
}
