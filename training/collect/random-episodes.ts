import { randomPolicy, type Env, type Rng } from '../../sim/index.js';
import { TransitionBuilder } from '../data/index.js';

/**
 * `size` transitions of uniformly random actions in whole episodes that run on through
 * violations (`env` must be built with `endOnViolation: false`); done = constraint, i.e. the
 * risk target's mask is 1 - c, as the reference stores its datasets.
 */
export function randomEpisodes(env: Env, size: number, rng: Rng): TransitionBuilder {
  const builder = new TransitionBuilder(env.observationSpace.size, env.actionSpace.size, size);
  const policy = randomPolicy(env.actionSpace, rng);
  while (builder.size < size) {
    let obs = env.reset(rng.nextUint32() & 0x7fffffff);
    for (;;) {
      const action = policy(obs);
      const r = env.step(action);
      builder.push({ obs, action: r.info.appliedAction, reward: r.reward, nextObs: r.observation, constraint: r.constraint, done: r.constraint });
      obs = r.observation;
      if (builder.size >= size || r.done || r.truncated) break;
    }
  }
  return builder;
}
