/**
 * The online-adaptation worker thread: the only place where the runtime loads TensorFlow.js. It
 * keeps training the critic and recovery policy (the same update as offline phase 2) on the
 * offline test data plus the transitions the shield records, writes a candidate bundle every few
 * hundred updates, checks it, and reports it to the control thread, which swaps it in.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { readBundle } from '../../models/format/index.js';
import { Rng, box } from '../../sim/index.js';
import { initTrainingBackend } from '../../training/backend.js';
import { ReplayBuffer, loadTestDataset } from '../../training/data/index.js';
import { bundleRisk } from '../../training/eval/index.js';
import { readModelBundle, writeModelBundle } from '../../training/model-bundle.js';
import type { ShieldModels as TrainedModels } from '../../training/models.js';
import { RiskPhase } from '../../training/phases.js';
import { LEARNING_RATES, TAU_RISK } from '../../training/settings.js';
import type { AdaptationSettings, FromWorker, ToWorker, TransitionChunk } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('the adaptation worker must run in a worker thread');
const send = (m: FromWorker) => port.postMessage(m);

let stopping = false;
const pending: TransitionChunk[] = [];

port.on('message', (m: ToWorker) => {
  if (m.type === 'start') void run(m.settings).catch((e) => setImmediate(() => { throw e; }));
  else if (m.type === 'transitions') pending.push(m.chunk);
  else stopping = true;
});

async function run(s: AdaptationSettings): Promise<void> {
  await initTrainingBackend();
  const { manifest, models, phaseState } = await readModelBundle(s.bundle);
  const rng = new Rng(s.seed);
  const obsSize = models.spec.observationSize;
  const actSize = models.spec.actionLow.length;
  const train = new ReplayBuffer(obsSize, actSize, 2_000_000);
  const heldOut = new ReplayBuffer(obsSize, actSize, 200_000);
  const split = rng.fork('held-out');
  const add = (c: TransitionChunk) => {
    for (let i = 0; i < c.size; i++) {
      const t = {
        obs: c.obs.subarray(i * obsSize, (i + 1) * obsSize),
        action: c.action.subarray(i * actSize, (i + 1) * actSize),
        reward: 0,
        nextObs: c.nextObs.subarray(i * obsSize, (i + 1) * obsSize),
        constraint: c.constraint[i] as 0 | 1,
        done: c.done[i] as 0 | 1,
      };
      (split.uniform() < s.heldOutFraction ? heldOut : train).push(t);
    }
  };
  if (s.offlineData) add(loadTestDataset(s.offlineData).transitions);
  send({ type: 'ready', transitions: train.size + heldOut.size });

  const mesa = models.spec.method === 'mesa';
  const phase = new RiskPhase(
    models,
    train,
    {
      gammaRisk: s.gammaRisk,
      criticLr: mesa ? LEARNING_RATES.mesaFineTune : LEARNING_RATES.plain,
      recoveryLr: mesa ? LEARNING_RATES.mesaFineTune : LEARNING_RATES.plain,
      target: mesa ? 'polyak' : 'online',
      tau: s.tauRisk ?? TAU_RISK,
      batchSize: s.batchSize,
    },
    rng,
    models.spec.method === 'multitask' && phaseState ? phaseState : undefined,
  );
  let iteration = 0;
  let candidate = 0;
  try {
    while (!stopping) {
      while (pending.length > 0) add(pending.shift()!);
      if (train.size === 0) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      for (let k = 0; k < s.iterationsPerCandidate && !stopping; k++) {
        phase.step(rng);
        iteration += 1;
        // Lets transitions and stop messages in between updates.
        if (k % 10 === 9) await new Promise((r) => setImmediate(r));
        while (pending.length > 0) add(pending.shift()!);
      }
      if (stopping) break;
      phase.commit();
      const dir = join(s.candidateDir, `candidate-${String(candidate++).padStart(4, '0')}`);
      await writeModelBundle(dir, models, {
        epsRisk: s.epsRisk,
        gammaRisk: s.gammaRisk,
        observationSpace: box(manifest.observation.low, manifest.observation.high),
        neutralAction: manifest.neutralAction,
        provenance: { datasets: s.offlineData ? [s.offlineData, 'online transitions'] : ['online transitions'], iterations: { online: iteration }, seed: s.seed, command: null },
      });
      const verdict = await check(dir, models, heldOut, s);
      const report = { dir, iteration, recall: verdict.recall, parityError: verdict.parityError, heldOut: heldOut.size };
      send(verdict.problem ? { type: 'rejected', report, reason: verdict.problem } : { type: 'candidate', report });
    }
  } finally {
    phase.dispose();
    send({ type: 'stopped' });
  }
}

/** A candidate passes when its ONNX risk is finite and in [0, 1], agrees with tfjs, and still flags the held-out violations. */
async function check(dir: string, models: TrainedModels, heldOut: ReplayBuffer, s: AdaptationSettings): Promise<{ problem: string | null; recall: number | null; parityError: number }> {
  if (heldOut.size === 0) return { problem: null, recall: null, parityError: 0 };
  const data = heldOut.sample(new Rng(0), heldOut.size);
  const { risk, release } = await bundleRisk(await readBundle(dir));
  const onnx = await risk(data.obs, data.action, data.size);
  await release();
  const params = models.criticValues.map((v, i) => tf.tensor(v, [...models.critic.shapes[i]]));
  const tfRisk = tf.tidy(() => models.critic.risk(params, tf.tensor2d(data.obs, [data.size, data.observationSize]), tf.tensor2d(data.action, [data.size, data.actionSize])));
  const reference = tfRisk.dataSync();
  tf.dispose([tfRisk, ...params]);
  let parityError = 0;
  let flagged = 0;
  let violations = 0;
  for (let i = 0; i < data.size; i++) {
    if (!(onnx[i] >= 0 && onnx[i] <= 1)) return { problem: `risk ${onnx[i]} outside [0, 1] on a held-out transition`, recall: null, parityError };
    parityError = Math.max(parityError, Math.abs(onnx[i] - reference[i]));
    if (data.constraint[i] === 1) {
      violations += 1;
      if (onnx[i] > s.epsRisk) flagged += 1;
    }
  }
  const recall = violations > 0 ? flagged / violations : null;
  if (parityError > s.parityTolerance) return { problem: `onnxruntime and tfjs disagree by ${parityError.toExponential(2)}`, recall, parityError };
  if (recall !== null && recall < s.minRecall) return { problem: `recall ${recall.toFixed(3)} on ${violations} held-out violations is below ${s.minRecall}`, recall, parityError };
  return { problem: null, recall, parityError };
}
