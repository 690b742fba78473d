import type { Decision, DecisionReason } from './core/decision.js';

/** Log-spaced latency histogram: bins 2% wide from 1 ns, so percentiles are within 2%. */
const RATIO = 1.02;
const BINS = Math.ceil(Math.log(1e10) / Math.log(RATIO));
const MODEL_FAILURES: readonly DecisionReason[] = ['model-not-loaded', 'inference-error', 'risk-invalid'];

export interface StatsSnapshot {
  readonly ticks: number;
  /** Share of ticks on which the recovery policy replaced the proposal because of risk. */
  readonly intervention_rate: number;
  /** Share of ticks decided by the fail-safe fallback (any reason). */
  readonly fallback_rate: number;
  /** Share of ticks on which the shield itself failed to evaluate risk (model missing, inference error, invalid risk). */
  readonly failure_rate: number;
  readonly fallbacks: Readonly<Partial<Record<DecisionReason, number>>>;
  readonly latency_us: { readonly p50: number; readonly p99: number; readonly p999: number; readonly max: number };
}

/** Counters and a latency histogram, updated without allocation on every decision. */
export class ShieldStats {
  readonly #bins = new Uint32Array(BINS);
  #ticks = 0;
  #interventions = 0;
  #fallbacks = 0;
  #failures = 0;
  #maxNs = 0;
  readonly #byReason = new Map<DecisionReason, number>();

  record(decision: Decision, latencyNs: number): void {
    this.#ticks += 1;
    if (decision.source === 'recovery') this.#interventions += 1;
    if (decision.source === 'fallback') {
      this.#fallbacks += 1;
      this.#byReason.set(decision.reason, (this.#byReason.get(decision.reason) ?? 0) + 1);
      if (MODEL_FAILURES.includes(decision.reason)) this.#failures += 1;
    }
    const ns = Math.max(1, latencyNs);
    this.#bins[Math.min(BINS - 1, Math.floor(Math.log(ns) / Math.log(RATIO)))] += 1;
    if (ns > this.#maxNs) this.#maxNs = ns;
  }

  #percentileUs(q: number): number {
    if (this.#ticks === 0) return 0;
    const rank = Math.ceil(q * this.#ticks);
    let seen = 0;
    for (let b = 0; b < BINS; b++) {
      seen += this.#bins[b];
      if (seen >= rank) return Math.min(this.#maxNs, RATIO ** (b + 1)) / 1e3;
    }
    return this.#maxNs / 1e3;
  }

  snapshot(): StatsSnapshot {
    const n = Math.max(1, this.#ticks);
    return {
      ticks: this.#ticks,
      intervention_rate: this.#interventions / n,
      fallback_rate: this.#fallbacks / n,
      failure_rate: this.#failures / n,
      fallbacks: Object.fromEntries(this.#byReason),
      latency_us: { p50: this.#percentileUs(0.5), p99: this.#percentileUs(0.99), p999: this.#percentileUs(0.999), max: this.#maxNs / 1e3 },
    };
  }

  reset(): void {
    this.#bins.fill(0);
    this.#ticks = this.#interventions = this.#fallbacks = this.#failures = this.#maxNs = 0;
    this.#byReason.clear();
  }
}
