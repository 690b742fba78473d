/**
 * SAC speed on this machine's TensorFlow.js backend at the reference sizes (2 x 256 actor and twin
 * critics, batch 256) with HalfCheetah's shapes (obs 17, act 6):
 *  - ms per update (replay sampling, critic step, actor step, Polyak step);
 *  - us per single-observation action: the agent's `act` (network in tfjs, squashing in JS) next
 *    to the same sample taken through the batched graph (`SquashedGaussianActor.sample`).
 * Usage: node dist/bench/train/sac.js [--repeats N]
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, uniformBox } from '../../sim/index.js';
import { initTrainingBackend } from '../../training/backend.js';
import { SAC_DEFAULTS, Sac, TaskReplay } from '../../training/sac.js';
import { medianMs } from './median-ms.js';
import { benchArgs } from '../bench-args.js';

const OBS = 17;
const ACT = 6;

const { repeats } = benchArgs('SAC update and action speed at the reference sizes with HalfCheetah shapes.', {
  repeats: { default: 50, min: 1, help: 'timed repeats per figure (the median is printed)' },
});

const backend = await initTrainingBackend();
console.log(`command: node dist/bench/train/sac.js --repeats ${repeats}`);
console.log(`backend ${backend}; obs ${OBS}, act ${ACT}, hidden [${SAC_DEFAULTS.hidden}], batch ${SAC_DEFAULTS.batchSize}; medians`);

const rng = new Rng(0);
const agent = new Sac(OBS, uniformBox(ACT, -1, 1), SAC_DEFAULTS, rng.fork('init'));
const replay = new TaskReplay(OBS, ACT);
const u = (n: number) => Array.from({ length: n }, () => rng.uniformIn(-1, 1));
for (let i = 0; i < 10_000; i++) replay.push(u(OBS), u(ACT), rng.uniformIn(-1, 1), u(OBS), 1);

const update = medianMs(() => agent.update(replay.sample(rng, SAC_DEFAULTS.batchSize), rng), repeats);
const sampleOnly = medianMs(() => replay.sample(rng, SAC_DEFAULTS.batchSize), repeats);
console.log(`update        ${update.toFixed(2).padStart(8)} ms   (of which replay sampling ${sampleOnly.toFixed(3)} ms)`);

const obs = Float64Array.from(u(OBS));
const act = medianMs(() => agent.act(obs, rng), 20 * repeats);
const actDeterministic = medianMs(() => agent.act(obs, rng, true), 20 * repeats);
const graph = medianMs(() => {
  const a = tf.tidy(() => agent.actor.sample(agent.actorVars, tf.tensor2d(Float32Array.from(obs), [1, OBS]), rng).action);
  a.dataSync();
  a.dispose();
}, 20 * repeats);
const us = (ms: number) => `${(1000 * ms).toFixed(0).padStart(6)} us`;
console.log(`act          ${us(act)}   (deterministic ${us(actDeterministic).trim()}; through the batched sampling graph ${us(graph).trim()})`);
console.log(`tensors alive after the runs: ${tf.memory().numTensors} (the agent's variables: ${agent.actorVars.length + 2 * agent.criticVars.length})`);
agent.dispose();
