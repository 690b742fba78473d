/** Percentiles of latency samples (nearest rank on the sorted samples). */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export function summarizeLatency(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  const at = (p: number) => (n === 0 ? NaN : sorted[Math.min(n - 1, Math.floor(p * n))]);
  return { count: n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: n === 0 ? NaN : sorted[n - 1] };
}
