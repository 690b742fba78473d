import type { Clock } from './ports.js';

/**
 * Nanoseconds since the Unix epoch, the time base of the stamps robots send (ROS time, or any
 * wall clock kept by NTP): the wall-clock time at process start plus monotonic time since, so it
 * never goes back while the process runs.
 */
export const epochClock: Clock = {
  nowNs: () => Math.round((performance.timeOrigin + performance.now()) * 1e6),
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
