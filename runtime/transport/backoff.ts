/** Reconnection delays: exponential growth, capped, with jitter so that many clients do not retry in step. */
export interface BackoffOptions {
  /** Delay before the first retry. */
  readonly initialMs: number;
  /** No delay exceeds this. */
  readonly maxMs: number;
  /** Growth per failed attempt. */
  readonly factor: number;
  /** Fraction in [0, 1] by which a delay may be shortened at random. */
  readonly jitter: number;
}

/** The delay before retry number `attempt` (0 for the first): in [(1 - jitter) d, d] with d = min(maxMs, initialMs * factor^attempt). */
export function backoffDelayMs(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(o.maxMs, o.initialMs * o.factor ** Math.min(attempt, 64));
  return Math.round(base * (1 - o.jitter * random()));
}
