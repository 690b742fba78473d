import type { DecisionSource, StampedVector } from '../core/decision.js';
import { FakeClock } from './clock.js';
import type { AppliedMessage, RobotLink } from './ports.js';

/** What the shield answered, as the robot side of a transport receives it. */
export interface LinkAnswer {
  readonly action: Float64Array;
  readonly source: DecisionSource;
  readonly risk: number | null;
}

/**
 * The robot side of a transport seen as a gate: `decide` sends the state and the proposed command
 * through the link and resolves with the applied command that answers it (matched by the
 * proposal's stamp). Simulation in the loop uses it to run through a real transport. `clock`
 * follows the `nowNs` of each call, so a shield side built with it judges staleness in the same
 * (simulated) time as the stamps.
 */
export class LinkGate {
  readonly clock = new FakeClock();
  #waiting: { stampNs: number; resolve: (m: AppliedMessage) => void } | null = null;
  readonly #off: () => void;

  constructor(
    readonly link: RobotLink,
    readonly timeoutMs = 5000,
  ) {
    this.#off = link.onApplied((m) => {
      if (this.#waiting !== null && m.stampNs === this.#waiting.stampNs) this.#waiting.resolve(m);
    });
  }

  decide(observation: StampedVector, proposed: StampedVector, nowNs: number): Promise<LinkAnswer> {
    if (this.#waiting !== null) return Promise.reject(new Error('LinkGate.decide: the previous proposal is still unanswered'));
    this.clock.set(Math.max(nowNs, this.clock.nowNs()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = null;
        reject(new Error(`no applied command answered the proposal stamped ${proposed.stampNs} ns within ${this.timeoutMs} ms; is the shield side connected?`));
      }, this.timeoutMs);
      this.#waiting = {
        stampNs: proposed.stampNs,
        resolve: (m) => {
          clearTimeout(timer);
          this.#waiting = null;
          resolve({ action: m.values, source: m.source, risk: m.risk ?? null });
        },
      };
      const report = { ...(observation.constraint === undefined ? {} : { constraint: observation.constraint }), ...(observation.episodeStart ? { episodeStart: true } : {}) };
      this.link.sendState(observation.values, observation.stampNs, report);
      this.link.sendProposed(proposed.values, proposed.stampNs);
    });
  }

  close(): void {
    this.#off();
  }
}
