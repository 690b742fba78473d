import cliProgress from 'cli-progress';

export interface ProgressReporter {
  /** Reports `done` of `total`, with a short text of the latest figures (e.g. "loss 0.0123"). */
  update(done: number, total: number, detail?: string): void;
  stop(): void;
}

/**
 * A progress bar with ETA on a terminal; elsewhere (CI, pipes) one line per 10% so logs stay short.
 * Always on stderr, so stdout keeps only results.
 */
export function progressReporter(label: string): ProgressReporter {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} | {detail} | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total, detail = '') {
        if (!started) {
          bar.start(total, done, { detail });
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(done, { detail });
        }
      },
      stop: () => started && bar.stop(),
    };
  }
  let lastDecile = -1;
  const start = Date.now();
  // A resumed job starts part-way: its rate counts only the work done in this process.
  let firstDone: number | undefined;
  return {
    update(done, total, detail = '') {
      firstDone ??= done;
      const decile = Math.floor((10 * done) / total);
      if (decile === lastDecile && done !== total) return;
      lastDecile = decile;
      const elapsed = (Date.now() - start) / 1000;
      const doneHere = done - firstDone;
      const eta = doneHere > 0 ? (elapsed * (total - done)) / doneHere : NaN;
      process.stderr.write(`${label}: ${done}/${total}${detail ? ` | ${detail}` : ''} | ${elapsed.toFixed(0)} s elapsed${Number.isFinite(eta) ? `, ETA ${eta.toFixed(0)} s` : ''}\n`);
    },
    stop() {},
  };
}
