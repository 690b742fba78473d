import { initTrainingBackend } from '../backend.js';
import { TransitionBuilder } from '../data/index.js';
import { SAC_DEFAULTS, Sac, runSac, type SacConfig } from '../sac.js';
import type { SacCollector } from './collect.js';

/**
 * The reference's training datasets for cartpole and locomotion: the replay buffer of an SAC run
 * in the environment, stopped early once `size` transitions are recorded (100 episodes of 200
 * steps for cartpole, 400 of 1000 for locomotion). Episodes run on through violations.
 */
export function sacCollector(config: Partial<SacConfig> = {}): SacCollector {
  return async (env, size, rng, onProgress) => {
    await initTrainingBackend();
    const builder = new TransitionBuilder(env.observationSpace.size, env.actionSpace.size, size);
    const agent = new Sac(env.observationSpace.size, env.actionSpace, { ...SAC_DEFAULTS, ...config }, rng.fork('sac-init'));
    try {
      runSac(env, agent, rng, {
        episodes: Number.MAX_SAFE_INTEGER,
        onStep: (s) => {
          if (builder.size < size) builder.push({ obs: s.obs, action: s.action, reward: s.reward, nextObs: s.nextObs, constraint: s.constraint, done: s.constraint });
        },
        onEpisode: () => onProgress(builder.size),
        shouldStop: () => builder.size >= size,
      });
    } finally {
      agent.dispose();
    }
    return builder;
  };
}
