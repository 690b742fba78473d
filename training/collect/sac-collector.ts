import { initTrainingBackend } from '../backend.js';
import { TransitionBuilder } from '../data/index.js';
import { runSac } from '../sac-loop.js';
import { sacConfig, type SacConfig } from '../sac.js';
import type { SacCollector } from './collect.js';

/**
 * The reference's training datasets for cartpole and locomotion (spec 2.2): the transitions of a
 * SAC run with the domain's settings, stopped early once `size` are recorded (100 episodes of 200
 * steps for cartpole, 400 of 1000 for locomotion). Episodes run on through violations; every
 * transition is kept with done = c (mask = 1 - c).
 */
export function sacCollector(overrides: Partial<SacConfig> = {}): SacCollector {
  return async (env, size, rng, onProgress) => {
    await initTrainingBackend();
    const builder = new TransitionBuilder(env.observationSpace.size, env.actionSpace.size, size);
    const run = runSac(env, { ...sacConfig(env.domain, overrides), episodes: Infinity }, rng, {
      onTransition: ({ obs, result }) => {
        const c = result.constraint;
        builder.push({ obs, action: result.info.appliedAction, reward: result.reward, nextObs: result.observation, constraint: c, done: c });
        return builder.size >= size ? 'stop' : undefined;
      },
      onEpisode: () => onProgress(builder.size),
    });
    run.agent.dispose();
    return builder;
  };
}
