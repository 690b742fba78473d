import type { McapScanResult } from './mcap-scan.js';
import type { ShieldMapping } from './mapping.js';
import type { SkipCounts, Transition } from './pair-steps.js';
import { TickPairer, type PairingTick } from './pair-ticks.js';
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
function usualLength(vectors: readonly ArrayLike<number>[]): number {
  const counts = new Map<number, number>();
  for (const v of vectors) counts.set(v.length, (counts.get(v.length) ?? 0) + 1);
  let best = 0;
  let bestCount = -1;
  for (const [length, count] of counts) if (count > bestCount) [best, bestCount] = [length, count];
  return best;
}

/**
 * The shield's own logs, files in the order given, paired as online adaptation pairs ticks
 * (`TickPairer`): consecutive distinct states with the action last taken in the first.
 */
export async function importShieldLogs(files: readonly string[], mapping: ShieldMapping): Promise<RecordingImport> {
  const ticks: PairingTick[] = [];
  const scans: McapScanResult[] = [];
  for (const file of files) {
    scans.push(
      await forEachTick(file, (tick) => {
        ticks.push({
          tNs: tick.tNs,
          stateStampNs: tick.stateStampNs,
          obs: tick.observation,
          action: mapping.action === 'applied' ? tick.applied : tick.proposed,
          constraint: tick.constraint,
          episodeStart: tick.episodeStart === true,
        });
      }),
    );
  }
  const observationSize = usualLength(ticks.map((t) => t.obs));
  const actionSize = usualLength(ticks.map((t) => t.action));
  const transitions: Transition[] = [];
  const pairer = new TickPairer(observationSize, actionSize, mapping.sync.max_gap_ms * 1e6, (tr) => transitions.push(tr));
  for (const tick of ticks) pairer.push(tick);
  const unreported = ticks.filter((t) => t.constraint === undefined).length;
  const unstamped = ticks.filter((t) => t.stateStampNs === undefined).length;
  const wrongSize = ticks.filter((t) => t.obs.length !== observationSize || t.action.length !== actionSize).length;
  const notes = [
    ...(unreported ? [`${unreported} of ${ticks.length} ticks carry no constraint flag (counted as no violation)`] : []),
    ...(unstamped ? [`${unstamped} of ${ticks.length} ticks carry no state stamp (a log of format 1, or no state): each counted as a state of its own`] : []),
    ...(wrongSize ? [`${wrongSize} ticks with an observation or action of another size than obs ${observationSize}/act ${actionSize} were left out`] : []),
  ];
  return { observationSize, actionSize, transitions, steps: pairer.states, skipped: pairer.finish(), scans, notes };
}
