/**
 * The online half of the demo: the new robot (the test environment) driven by the task controller,
 * once without a shield and once behind each trained shield — the runtime's `Shield`, loaded from
 * the bundle exactly as on a robot, in the loop with the simulator.
 */
import { createShield, parseConfig } from '../../runtime/index.js';
import { Rng, runSimLoop, type EnvParams, type SimLoopEpisode, type SimLoopSummary } from '../../sim/index.js';
import { goalSeekingController } from './controller.js';
import type { DemoSettings } from './settings.js';
import { DEMO_DOMAIN, type TrainedShield } from './train-shields.js';

/** A point of a plotted trajectory; `violation` marks the state that ended an episode in an obstacle. */
export interface TrajectoryPoint {
  readonly episode: number;
  readonly step: number;
  readonly x: number;
  readonly y: number;
  readonly violation: boolean;
  /** The shield's recovery policy produced the action that led here. */
  readonly recovery: boolean;
}

export interface DemoRun {
  /** 'none', or the method of the shield. */
  readonly shield: 'none' | TrainedShield['method'];
  readonly label: string;
  readonly bundle: string | null;
  readonly epsSafe: number | null;
  readonly episodes: readonly SimLoopEpisode[];
  readonly summary: SimLoopSummary;
  readonly trajectories: readonly TrajectoryPoint[];
}

const LABELS: Record<DemoRun['shield'], string> = { none: 'no shield', rrl: 'shield: RRL (D_test only)', multitask: 'shield: Multi-Task', mesa: 'shield: MESA' };

/**
 * Runs `s.episodes` episodes in the test environment with the same episode seeds and the same
 * stream of controller noise, so the runs differ only by the gate.
 */
export async function runEpisodes(s: DemoSettings, testEnvironment: EnvParams, shield: TrainedShield | null, onEpisode: (done: number) => void): Promise<DemoRun> {
  const gate = shield ? await createShield(parseConfig({ bundle: shield.bundle })) : null;
  const trajectories: TrajectoryPoint[] = [];
  const starts = new Set<number>();
  try {
    const { episodes, summary } = await runSimLoop({
      domain: DEMO_DOMAIN,
      params: testEnvironment,
      episodes: s.episodes,
      seed: s.seed,
      gate,
      controller: goalSeekingController(s.controllerNoise, new Rng(s.seed).fork('controller')),
      onEpisode: (e) => onEpisode(e.episode),
      onStep: ({ episode, observation, source, result }) => {
        if (episode > s.plottedEpisodes) return;
        if (!starts.has(episode)) {
          starts.add(episode);
          trajectories.push({ episode, step: 0, x: observation[0], y: observation[1], violation: false, recovery: false });
        }
        const [x, y] = result.observation;
        trajectories.push({ episode, step: result.info.step, x, y, violation: result.constraint === 1, recovery: source === 'recovery' });
      },
    });
    return { shield: shield?.method ?? 'none', label: LABELS[shield?.method ?? 'none'], bundle: shield?.bundle ?? null, epsSafe: gate?.options.epsSafe ?? null, episodes, summary, trajectories };
  } finally {
    await gate?.models?.release();
  }
}
