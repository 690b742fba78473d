/**
 * The navigation datasets' behaviour (spec section 2.1): short random rollouts from start regions
 * near the obstacles, each ending at its first violation or after 11 transitions, repeated until
 * the requested number of transitions is reached.
 */
import { NavigationEnv, type Rng } from '../../sim/index.js';
import { TransitionBuilder } from '../data/index.js';

const ROLLOUT_LENGTH = 11;

interface StartRegion {
  readonly start: (rng: Rng) => [number, number];
  readonly action: (rng: Rng) => [number, number];
}

const clippedNormal = (rng: Rng) => Math.max(-1, Math.min(1, rng.normal()));
const randomAction = (rng: Rng): [number, number] => [clippedNormal(rng), clippedNormal(rng)];

/** Navigation 1: inside the corridor near a wall, x ~ U[-80, 50], y ~ U[2, 5] or U[-5, -2]. */
const NAVIGATION1_REGIONS: readonly StartRegion[] = [
  {
    start: (rng) => [rng.uniformIn(-80, 50), rng.uniform() < 0.5 ? rng.uniformIn(-5, -2) : rng.uniformIn(2, 5)],
    action: randomAction,
  },
];

/** Navigation 2: four blocks approaching the obstacle from the left, right, above and below, biased towards it. */
const NAVIGATION2_REGIONS: readonly StartRegion[] = [
  { start: (rng) => [rng.uniformIn(-35, -30), rng.uniformIn(-12, 12)], action: (rng) => [rng.uniformIn(0.5, 1), clippedNormal(rng)] },
  { start: (rng) => [rng.uniformIn(-20, -15), rng.uniformIn(-12, 12)], action: (rng) => [rng.uniformIn(-1, -0.5), clippedNormal(rng)] },
  { start: (rng) => [rng.uniformIn(-30, -20), rng.uniformIn(10, 15)], action: (rng) => [clippedNormal(rng), rng.uniformIn(-1, -0.5)] },
  { start: (rng) => [rng.uniformIn(-30, -20), rng.uniformIn(-15, -10)], action: (rng) => [clippedNormal(rng), rng.uniformIn(0.5, 1)] },
];

/**
 * `size` transitions from the domain's generator in `env`. Navigation 2's blocks follow each other
 * (about size/4 each), so a short prefix of a large generation comes from the first block only,
 * as in the reference.
 */
export function navigationTransitions(env: NavigationEnv, size: number, rng: Rng, generationSize = size): TransitionBuilder {
  const regions = env.domain === 'navigation1' ? NAVIGATION1_REGIONS : NAVIGATION2_REGIONS;
  const builder = new TransitionBuilder(2, 2, size);
  const perBlock = Math.ceil(generationSize / regions.length);
  while (builder.size < size) {
    const region = regions[Math.min(regions.length - 1, Math.floor(builder.size / perBlock))];
    env.reset(rng.nextUint32() & 0x7fffffff);
    let obs = env.setState(...region.start(rng));
    for (let t = 0; t < ROLLOUT_LENGTH && builder.size < size; t++) {
      const action = region.action(rng);
      const r = env.step(action);
      builder.push({ obs, action: r.info.appliedAction, reward: r.reward, nextObs: r.observation, constraint: r.constraint, done: r.constraint });
      obs = r.observation;
      if (r.constraint === 1 || r.done || r.truncated) break;
    }
  }
  return builder;
}
