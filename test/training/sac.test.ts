import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { NavigationEnv, Rng, uniformBox, type Env, type StepResult } from '../../sim/index.js';
import { SquashedGaussianActor } from '../../training/policies.js';
import { SAC_DEFAULTS, Sac, runSac } from '../../training/sac.js';
import { useTrainingBackend } from '../support/tf.js';

/** 1-D: s' = s + 0.25 a, reward -|s'|, start s ~ U[-2, 2], 25 steps. Good policies steer to 0. */
function toyEnv(): Env {
  const rng = new Rng(0);
  let s = 0;
  let t = 0;
  const env: Env = {
    domain: 'navigation1',
    params: { domain: 'navigation1', bDiagonal: [1, 1] },
    observationSpace: uniformBox(1, -Infinity, Infinity),
    actionSpace: uniformBox(1, -1, 1),
    horizon: 25,
    reset(seed?: number) {
      const r = seed === undefined ? rng : new Rng(seed);
      s = r.uniformIn(-2, 2);
      t = 0;
      return Float64Array.of(s);
    },
    step(action: ArrayLike<number>): StepResult {
      const a = Math.max(-1, Math.min(1, action[0]));
      s += 0.25 * a;
      t += 1;
      return { observation: Float64Array.of(s), reward: -Math.abs(s), constraint: 0, done: false, truncated: t >= 25, info: { appliedAction: Float64Array.of(a), step: t } };
    },
    close() {},
  };
  return env;
}

function meanReturn(env: Env, act: (obs: Float64Array) => ArrayLike<number>, episodes: number): number {
  let total = 0;
  for (let e = 0; e < episodes; e++) {
    let obs = env.reset(1000 + e);
    for (;;) {
      const r = env.step(act(obs));
      total += r.reward;
      obs = r.observation;
      if (r.truncated || r.done) break;
    }
  }
  return total / episodes;
}

describe('SAC', () => {
  before(useTrainingBackend);

  it('computes the squashed Gaussian log-probability with the tanh and scale correction', () => {
    const actor = new SquashedGaussianActor(1, uniformBox(1, -3, 3), [4]);
    const zeros = actor.shapes.map((s) => tf.zeros([...s]));
    const { action, logProb } = actor.sample(zeros, tf.tensor2d([[0.5]]), new Rng(7));
    const eps = new Rng(7).normal();
    // Zero weights: mean 0, log-std 0, so u = eps and a = 3 tanh(eps).
    assert.ok(Math.abs(action.dataSync()[0] - 3 * Math.tanh(eps)) < 1e-5);
    const expected = -0.5 * eps * eps - 0.5 * Math.log(2 * Math.PI) - Math.log(3 * (1 - Math.tanh(eps) ** 2) + 1e-6);
    assert.ok(Math.abs(logProb.dataSync()[0] - expected) < 1e-4, `${logProb.dataSync()[0]} vs ${expected}`);
  });

  it('runs end to end on navigation 1 and gives the same numbers for the same seed', () => {
    const run = () => {
      const env = new NavigationEnv({ domain: 'navigation1', bDiagonal: [1, 1] }, { endOnViolation: false });
      const agent = new Sac(2, env.actionSpace, { ...SAC_DEFAULTS, hidden: [16, 16], batchSize: 16, startSteps: 20 }, new Rng(3));
      let steps = 0;
      const episodes = runSac(env, agent, new Rng(4), { episodes: 2, onStep: () => (steps += 1) });
      agent.dispose();
      return { returns: episodes.map((e) => e.return), steps };
    };
    const a = run();
    assert.equal(a.steps, 200, 'two 100-step episodes (violations do not end them)');
    assert.deepEqual(run(), a);
  });

  it('learns to steer a 1-D point to the goal far better than a random policy', () => {
    const env = toyEnv();
    const rng = new Rng(5);
    const agent = new Sac(1, env.actionSpace, { ...SAC_DEFAULTS, hidden: [32, 32], batchSize: 64, startSteps: 200, lr: 1e-3 }, rng.fork('init'));
    runSac(env, agent, rng, { episodes: 80 });
    const learned = meanReturn(env, (obs) => agent.act(obs, rng, true), 20);
    const random = meanReturn(env, () => [rng.uniformIn(-1, 1)], 20);
    agent.dispose();
    // Steering to the goal earns about -8 per episode here; random actions about -25.
    assert.ok(learned > random + 10, `learned ${learned.toFixed(1)} vs random ${random.toFixed(1)}`);
  });
});
