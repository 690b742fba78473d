/**
 * After a stop, publish the stop for a while, then go quiet (Nav2's collision monitor,
 * `stop_pub_timeout`): a node that kept publishing zeros would fight teleoperation or another
 * controller behind a mux. A command that moves ends the quiet at once.
 */
export class StopThenQuiet {
  readonly #timeoutNs: number;
  #stopSinceNs: number | null = null;

  constructor(timeoutS: number) {
    this.#timeoutNs = timeoutS * 1e9;
  }

  /** Whether to publish a command now; `isStop`: it is the neutral command. */
  admit(isStop: boolean, nowNs: number): boolean {
    if (!isStop) {
      this.#stopSinceNs = null;
      return true;
    }
    this.#stopSinceNs ??= nowNs;
    return nowNs - this.#stopSinceNs <= this.#timeoutNs;
  }

  isQuiet(nowNs: number): boolean {
    return this.#stopSinceNs !== null && nowNs - this.#stopSinceNs > this.#timeoutNs;
  }

  reset(): void {
    this.#stopSinceNs = null;
  }
}
