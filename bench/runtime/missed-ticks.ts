/**
 * Why a paced tick missed its deadline. A tick is missed when it ends after the next one is due;
 * between the previous tick's end and its own end the control thread waited for a core (run-queue
 * wait), collected garbage, ran an event-loop turn (the adaptation worker's messages and candidate
 * loads run there) and then the decision. Each missed tick gets the first cause that alone explains
 * it, i.e. whose time, taken away, would have let the tick end in time:
 *   preempted: the run-queue wait in the interval is at least the overshoot;
 *   gc: garbage collection on this thread overlapping the interval is at least the overshoot;
 *   loop turn: the event-loop turn before the tick ended after the tick was due;
 *   none: none of these (the decision ran long: interrupts, the hypervisor, caches).
 */

export type MissCause = 'preempted' | 'gc' | 'loop turn' | 'none';
export const MISS_CAUSES: readonly MissCause[] = ['preempted', 'gc', 'loop turn', 'none'];

/** One missed tick, in ms on the performance.now() clock. */
export interface MissedTick {
  /** When the previous tick ended. */
  readonly from: number;
  /** When this tick's event-loop turn ended. */
  readonly turnEnd: number;
  /** When this tick was due. */
  readonly due: number;
  /** When this tick ended (after `due + period`, or it was not missed). */
  readonly end: number;
  /** Run-queue wait of the control thread between `from` and `end` (0 where it cannot be read). */
  readonly runqueueWaitMs: number;
}

export interface GcPause {
  readonly start: number;
  readonly duration: number;
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

export function missCause(tick: MissedTick, periodMs: number, gcPauses: readonly GcPause[]): MissCause {
  const overshoot = tick.end - (tick.due + periodMs);
  if (tick.runqueueWaitMs >= overshoot) return 'preempted';
  const gcMs = gcPauses.reduce((sum, p) => sum + overlap(tick.from, tick.end, p.start, p.start + p.duration), 0);
  if (gcMs >= overshoot) return 'gc';
  if (tick.turnEnd > tick.due) return 'loop turn';
  return 'none';
}

/** Missed ticks per cause, every cause present (zero where none). */
export function countCauses(ticks: readonly MissedTick[], periodMs: number, gcPauses: readonly GcPause[]): Record<MissCause, number> {
  const counts = Object.fromEntries(MISS_CAUSES.map((c) => [c, 0])) as Record<MissCause, number>;
  for (const t of ticks) counts[missCause(t, periodMs, gcPauses)] += 1;
  return counts;
}
