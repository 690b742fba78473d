export interface CalibrationBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean predicted risk in the bin. */
  readonly predicted: number;
  /** Mean observed outcome in the bin. */
  readonly observed: number;
}

/** Reliability diagram data: predictions in `bins` equal-width bins over [0, 1]; empty bins are left out. */
export function calibrationBins(predicted: ArrayLike<number>, observed: ArrayLike<number>, bins = 10): CalibrationBin[] {
  if (predicted.length !== observed.length) throw new Error(`calibration: ${predicted.length} predictions but ${observed.length} outcomes`);
  const sums = Array.from({ length: bins }, () => ({ count: 0, p: 0, o: 0 }));
  for (let i = 0; i < predicted.length; i++) {
    const p = Math.min(1, Math.max(0, predicted[i]));
    const b = sums[Math.min(bins - 1, Math.floor(p * bins))];
    b.count += 1;
    b.p += predicted[i];
    b.o += observed[i];
  }
  return sums.flatMap((b, k) => (b.count === 0 ? [] : [{ lower: k / bins, upper: (k + 1) / bins, count: b.count, predicted: b.p / b.count, observed: b.o / b.count }]));
}

/** Expected calibration error: the count-weighted mean |predicted - observed| over bins. */
export function expectedCalibrationError(bins: readonly CalibrationBin[]): number {
  const n = bins.reduce((s, b) => s + b.count, 0);
  return n === 0 ? 0 : bins.reduce((s, b) => s + (b.count / n) * Math.abs(b.predicted - b.observed), 0);
}
