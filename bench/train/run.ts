/**
 * Training speed on this machine's TensorFlow.js backend:
 *  - ms per safety-critic training step: batch 256, 20 inputs, Adam;
 *  - ms per MAML meta-iteration: 5 tasks, inner and outer batch 256, one inner step, second order;
 * for the plain 2 x 256 MLP critic (the shapes of the PyTorch reference figures) and for MESA's
 * reference 3 x 100 weight-transform critic. Usage: npm run bench:train [-- --repeats N]
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../sim/index.js';
import { initTrainingBackend } from '../../training/backend.js';
import { SafetyCritic, criticLoss, type CriticArchitecture, type TensorBatch } from '../../training/critic.js';
import { clipByGlobalNorm } from '../../training/nn/ops.js';
import { createVariablesFrom } from '../../training/nn/module.js';
import { inverseSoftplus, metaObjective, type TaskEpisode } from '../../training/maml.js';
import { adam } from '../../training/nn/adam.js';
import { medianMs } from './median-ms.js';
import { benchArgs } from '../bench-args.js';

/** PyTorch 2.13 CPU, same shapes, on a machine of this kind (from the issue). */
const PYTORCH_MS = { step: 1.55, meta: 28 };
const OBS = 16;
const ACT = 4;
const BATCH = 256;
const TASKS = 5;

const { repeats } = benchArgs('ms per safety-critic step and per MAML meta-iteration on the TensorFlow.js backend, as ratios to PyTorch.', {
  repeats: { default: 30, min: 1, help: 'timed repeats per figure (the median is printed)' },
});

function randomBatch(rng: Rng): TensorBatch {
  const u = (n: number) => Float32Array.from({ length: n }, () => rng.uniformIn(-1, 1));
  return {
    obs: tf.tensor2d(u(BATCH * OBS), [BATCH, OBS]),
    action: tf.tensor2d(u(BATCH * ACT), [BATCH, ACT]),
    nextObs: tf.tensor2d(u(BATCH * OBS), [BATCH, OBS]),
    constraint: tf.tensor2d(Float32Array.from({ length: BATCH }, () => (rng.uniform() < 0.1 ? 1 : 0)), [BATCH, 1]),
    mask: tf.ones([BATCH, 1]),
  };
}

function bench(architecture: CriticArchitecture, label: string): void {
  const rng = new Rng(0);
  const critic = new SafetyCritic(architecture, OBS, ACT);
  const theta = createVariablesFrom(critic.shapes, critic.init(rng));
  const rho = critic.shapes.map(() => tf.variable(tf.scalar(inverseSoftplus(0.001))));
  const batch = randomBatch(rng);
  const target = tf.randomUniform([BATCH, 1], 0, 1, 'float32', 7) as tf.Tensor2D;
  const opt = adam(3e-4);
  const step = medianMs(() => {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => criticLoss(critic, theta, batch, target), theta);
      opt.apply(theta, theta.map((v) => grads[v.name]));
      value.dataSync();
    });
  }, repeats);

  const episodes: TaskEpisode[] = Array.from({ length: TASKS }, () => ({
    support: randomBatch(rng),
    query: randomBatch(rng),
    supportTarget: tf.randomUniform([BATCH, 1], 0, 1, 'float32', 1) as tf.Tensor2D,
    queryTarget: tf.randomUniform([BATCH, 1], 0, 1, 'float32', 2) as tf.Tensor2D,
  }));
  const thetaOpt = adam(1e-5);
  const rhoOpt = adam(1e-3);
  const meta = medianMs(() => {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => metaObjective({ critic, rho }, theta, episodes, 20, { innerSteps: 1, order: 'second' }), [...theta, ...rho]);
      const { clipped } = clipByGlobalNorm(theta.map((v) => grads[v.name]), 40);
      thetaOpt.apply(theta, clipped);
      rhoOpt.apply(rho, rho.map((v) => grads[v.name]));
      value.dataSync();
    });
  }, Math.max(5, Math.floor(repeats / 3)));

  console.log(
    `${label.padEnd(36)} step ${step.toFixed(2).padStart(7)} ms (${(step / PYTORCH_MS.step).toFixed(2)}x PyTorch)   ` +
      `meta-iteration ${meta.toFixed(1).padStart(7)} ms (${(meta / PYTORCH_MS.meta).toFixed(2)}x PyTorch)`,
  );
  tf.dispose([...theta, ...rho, target]);
}

const backend = await initTrainingBackend();
console.log(`command: npm run bench:train -- --repeats ${repeats}`);
console.log(`backend ${backend}; batch ${BATCH}, ${OBS + ACT} inputs, Adam; MAML ${TASKS} tasks, 1 inner step, second order; medians`);
console.log(`PyTorch reference (plain 2 x 256 MLP shapes): step ${PYTORCH_MS.step} ms, meta-iteration ${PYTORCH_MS.meta} ms; target: within 3x`);
console.log('(no PyTorch figure exists for the MESA architecture: its row is divided by the same plain-MLP reference)');
bench('mlp', 'plain 2 x 256 MLP');
bench('weight-transform', 'MESA 3 x 100 weight-transform MLP');
