import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Rng } from '../../sim/index.js';
import { SafetyCritic, criticLoss, type TensorBatch } from '../../training/critic.js';
import { innerAdapt, inverseSoftplus, metaObjective, type TaskEpisode } from '../../training/maml.js';
import { useTrainingBackend } from '../support/tf.js';

function randomBatch(rng: Rng, n: number, obs: number, act: number): TensorBatch {
  const u = (k: number) => Float32Array.from({ length: k }, () => rng.uniformIn(-1, 1));
  return {
    obs: tf.tensor2d(u(n * obs), [n, obs]),
    action: tf.tensor2d(u(n * act), [n, act]),
    nextObs: tf.tensor2d(u(n * obs), [n, obs]),
    constraint: tf.tensor2d(Float32Array.from({ length: n }, () => (rng.uniform() < 0.3 ? 1 : 0)), [n, 1]),
    mask: tf.ones([n, 1]),
  };
}

describe('MAML meta-gradient', () => {
  before(useTrainingBackend);

  for (const architecture of ['mlp', 'weight-transform'] as const) {
    it(`matches finite differences in theta and in the learned step sizes (${architecture}, second order)`, () => {
      const rng = new Rng(42);
      const critic = new SafetyCritic(architecture, 2, 1, { hidden: [5], latent: 3 });
      const theta = critic.init(rng).map((v, i) => tf.tensor(v, [...critic.shapes[i]]));
      // Large inner steps make the second-order term large enough to tell first from second order.
      const rhoValues = critic.shapes.map(() => inverseSoftplus(architecture === 'mlp' ? 2 : 0.5));
      const episodes: TaskEpisode[] = [0, 1].map(() => {
        const support = randomBatch(rng, 12, 2, 1);
        const query = randomBatch(rng, 12, 2, 1);
        return { support, query, supportTarget: tf.randomUniform([12, 1], 0, 1, 'float32', 1), queryTarget: tf.randomUniform([12, 1], 0, 1, 'float32', 2) };
      });
      const objective = (th: tf.Tensor[], rho: tf.Tensor[], order: 'first' | 'second') =>
        metaObjective({ critic, rho: rho as tf.Variable[] }, th, episodes, 3, { innerSteps: 1, order });
      const rho = rhoValues.map((r) => tf.scalar(r));
      const grad = (order: 'first' | 'second') =>
        tf.grads((...all: tf.Tensor[]) => objective(all.slice(0, theta.length), all.slice(theta.length), order))([...theta, ...rho]);
      const second = grad('second').map((g) => Array.from(g.dataSync()));
      const first = grad('first').map((g) => Array.from(g.dataSync()));

      const eps = 3e-3; // small enough not to step across ReLU kinks
      const fd = (tensor: number, index: number) => {
        const shifted = (delta: number) => {
          const all = [...theta, ...rho].map((t, k) => {
            if (k !== tensor) return t;
            const v = Float32Array.from(t.dataSync());
            v[index] += delta;
            return tf.tensor(v, t.shape);
          });
          return objective(all.slice(0, theta.length), all.slice(theta.length), 'second').dataSync()[0];
        };
        return (shifted(eps) - shifted(-eps)) / (2 * eps);
      };
      let secondError = 0;
      let firstError = 0;
      let scale = 0;
      const coordinates: [number, number][] = [];
      for (let k = 0; k < theta.length; k++) for (let j = 0; j < Math.min(4, theta[k].size); j++) coordinates.push([k, j]);
      for (let k = 0; k < rho.length; k++) coordinates.push([theta.length + k, 0]);
      for (const [k, j] of coordinates) {
        const numeric = fd(k, j);
        secondError = Math.max(secondError, Math.abs(second[k][j] - numeric));
        firstError = Math.max(firstError, Math.abs(first[k][j] - numeric));
        scale = Math.max(scale, Math.abs(numeric));
      }
      assert.ok(scale > 1e-3, `gradient too small to test (${scale})`);
      assert.ok(secondError < 0.02 * scale, `second-order error ${secondError} vs gradient scale ${scale}`);
      assert.ok(firstError > 5 * secondError, `first-order (${firstError}) should be visibly worse than second-order (${secondError})`);
    });
  }

  for (const observationScale of [null, { mean: [1, -2], std: [3, 0.5] }]) {
  it(`computes the weight-transform critic's one-step objective and meta-gradient as the generic inner step does, in both orders${observationScale ? ' (standardized observations)' : ''}`, () => {
    const rng = new Rng(7);
    const critic = new SafetyCritic('weight-transform', 2, 1, { hidden: [5, 4], latent: 3, observationScale });
    const theta = critic.init(rng).map((v, i) => tf.tensor(v, [...critic.shapes[i]]));
    const rho = critic.shapes.map((_, k) => tf.scalar(inverseSoftplus(0.1 + 0.1 * k)));
    const episodes: TaskEpisode[] = [0, 1].map(() => ({
      support: randomBatch(rng, 12, 2, 1),
      query: randomBatch(rng, 12, 2, 1),
      supportTarget: tf.randomUniform([12, 1], 0, 1, 'float32', 3),
      queryTarget: tf.randomUniform([12, 1], 0, 1, 'float32', 4),
    }));
    for (const order of ['second', 'first'] as const) {
      const split = (all: tf.Tensor[]) => ({ th: all.slice(0, theta.length), learner: { critic, rho: all.slice(theta.length) as tf.Variable[] } });
      const fast = (...all: tf.Tensor[]) => metaObjective(split(all).learner, split(all).th, episodes, 3, { innerSteps: 1, order });
      const generic = (...all: tf.Tensor[]) => {
        const { th, learner } = split(all);
        return tf.addN(episodes.map((e) => tf.div(criticLoss(critic, innerAdapt(learner, th, e.support, e.supportTarget, 1, order), e.query, e.queryTarget), 3))) as tf.Scalar;
      };
      const all = [...theta, ...rho];
      assert.ok(Math.abs(fast(...all).dataSync()[0] - generic(...all).dataSync()[0]) < 1e-6);
      const [gf, gg] = [tf.grads(fast)(all), tf.grads(generic)(all)];
      gf.forEach((g, k) => {
        const [a, b] = [g.dataSync(), gg[k].dataSync()];
        const scale = Math.max(1e-3, ...Array.from(b, Math.abs));
        a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-4 * scale, `${order} order, tensor ${k}[${i}]: ${x} vs ${b[i]}`));
      });
    }
  });
  }
});

