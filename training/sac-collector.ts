import type { Env, Rng } from '../sim/index.js';
import type { SacCollector } from './collect/index.js';
import { TransitionBuilder } from './data/index.js';
import { runSac } from './sac-loop.js';
import { sacConfig, type SacConfig } from './sac.js';

/**
 * The reference's training-data behaviour policy (spec 2.2): a SAC run with the domain's settings,
 * stopped once it has produced `size` transitions, every one of which is kept with done = c
 * (mask = 1 - c). `env` must not end episodes on violations.
 */
export function sacCollector(overrides: Partial<SacConfig> = {}): SacCollector {
  return async (env: Env, size: number, rng: Rng, onProgress: (done: number) => void) => {
    const builder = new TransitionBuilder(env.observationSpace.size, env.actionSpace.size, size);
    const run = runSac(env, { ...sacConfig(env.domain, overrides), episodes: Infinity }, rng, {
      onTransition: ({ obs, result }) => {
        const c = result.constraint;
        builder.push({ obs, action: result.info.appliedAction, reward: result.reward, nextObs: result.observation, constraint: c, done: c });
        onProgress(builder.size);
        return builder.size >= size ? 'stop' : undefined;
      },
    });
    run.agent.dispose();
    return builder;
  };
}
