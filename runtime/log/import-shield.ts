import type { McapScanResult } from './mcap-scan.js';
import type { ShieldMapping } from './mapping.js';
import { pairSteps, type SkipCounts, type Step, type Transition } from './pair-steps.js';
import { forEachTick } from './read-transitions.js';

export interface RecordingImport {
  readonly observationSize: number;
  readonly actionSize: number;
  readonly transitions: Transition[];
  readonly steps: number;
  readonly skipped: SkipCounts;
  readonly scans: McapScanResult[];
  /** Notes for the dataset's metadata, e.g. ticks without a constraint flag. */
  readonly notes: string[];
}

/** The most frequent length: a tick that failed on a wrong-size input does not decide the dataset's sizes. */
function usualLength(vectors: readonly Float64Array[]): number {
  const counts = new Map<number, number>();
  for (const v of vectors) counts.set(v.length, (counts.get(v.length) ?? 0) + 1);
  let best = 0;
  let bestCount = -1;
  for (const [length, count] of counts) if (count > bestCount) [best, bestCount] = [length, count];
  return best;
}

/**
 * The shield's own logs, files in the order given: step k is tick k, next_obs is tick k+1's
 * observation and the constraint is the flag reported with it (0 when the robot reported none).
 */
export async function importShieldLogs(files: readonly string[], mapping: ShieldMapping): Promise<RecordingImport> {
  const t: number[] = [];
  const observations: Float64Array[] = [];
  const actions: Float64Array[] = [];
  const flags: (0 | 1 | undefined)[] = [];
  const scans: McapScanResult[] = [];
  for (const file of files) {
    scans.push(
      await forEachTick(file, (tick) => {
        t.push(tick.tNs);
        observations.push(tick.observation);
        actions.push(mapping.action === 'applied' ? tick.applied : tick.proposed);
        flags.push(tick.constraint);
      }),
    );
  }
  const observationSize = usualLength(observations);
  const actionSize = usualLength(actions);
  const steps: Step[] = t.map((time, k) => ({
    t: time,
    obs: observations[k].length === observationSize && actions[k].length === actionSize ? observations[k] : null,
    action: actions[k],
  }));
  const transitions: Transition[] = [];
  const skipped = pairSteps(steps, { maxGapNs: mapping.sync.max_gap_ms * 1e6, resets: [], constraint: (k) => flags[k + 1] ?? 0 }, (tr) => transitions.push(tr));
  const unreported = flags.filter((f) => f === undefined).length;
  const wrongSize = steps.filter((s) => s.obs === null).length;
  const notes = [
    ...(unreported ? [`${unreported} of ${flags.length} ticks carry no constraint flag (counted as no violation)`] : []),
    ...(wrongSize ? [`${wrongSize} ticks with an observation or action of another size than obs ${observationSize}/act ${actionSize} were left out`] : []),
  ];
  return { observationSize, actionSize, transitions, steps: steps.length, skipped, scans, notes };
}
