/**
 * What the online-adaptation worker thread runs once it is off the control core (worker.ts): the
 * only place where the runtime loads TensorFlow.js. It keeps training the critic and recovery
 * policy (the same update as offline phase 2) on the offline test data plus the transitions the
 * shield records, writes a candidate bundle every few hundred updates, checks it, and reports it
 * to the control thread, which swaps it in.
 */
import * as tf from '@tensorflow/tfjs';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { readBundleModels, type BundleModels } from '../../models/format/index.js';
import { Rng, box } from '../../sim/index.js';
import { initTrainingBackend } from '../../training/backend.js';
import { ReplayBuffer, loadTestDataset } from '../../training/data/index.js';
import { bundleRisk } from '../../training/eval/index.js';
import { readModelBundle, writeModelBundle } from '../../training/model-bundle.js';
import type { ShieldModels as TrainedModels } from '../../training/models.js';
import { RiskPhase } from '../../training/phases.js';
import { riskLearningRates, TAU_RISK } from '../../training/settings.js';
import { preOptimize } from '../models/shield-models.js';
import type { AdaptationSettings, FromWorker, PreparedModels, ToWorker, TransitionChunk } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('the adaptation worker must run in a worker thread');
const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

let stopping = false;
let started = false;
const pending: TransitionChunk[] = [];

port.on('message', (m: ToWorker) => {
  if (m.type === 'start') {
    started = true;
    void run(m.settings)
      .then(() => port.close())
      .catch((e) => setImmediate(() => { throw e; }));
  } else if (m.type === 'transitions') pending.push(m.chunk);
  else {
    stopping = true;
    // Closing the port lets the thread exit once run() has ended (or at once, before a start).
    if (!started) port.close();
  }
});

const CANDIDATE = /^candidate-(\d+)$/;

/** Candidate folders in `dir`, oldest first. */
function candidates(dir: string): { name: string; index: number }[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const m = CANDIDATE.exec(name);
      return m ? [{ name, index: Number(m[1]) }] : [];
    })
    .sort((a, b) => a.index - b.index);
}

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
      ...riskLearningRates(models.spec.method),
      target: mesa ? 'polyak' : 'online',
      tau: s.tauRisk ?? TAU_RISK,
      batchSize: s.batchSize,
    },
    rng,
    models.spec.method === 'multitask' && phaseState ? phaseState : undefined,
  );
  let iteration = 0;
  // Numbering goes on from the folder's newest candidate: a restarted worker overwrites none.
  let candidate = (candidates(s.candidateDir).at(-1)?.index ?? -1) + 1;
  let fresh = 0;
  const takePending = () => {
    for (let c = pending.shift(); c; c = pending.shift()) {
      add(c);
      fresh += c.size;
    }
  };
  try {
    while (!stopping) {
      takePending();
      // Without new transitions more updates would only overfit the same data.
      if (train.size === 0 || fresh < s.minNewTransitions) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      fresh = 0;
      for (let k = 0; k < s.iterationsPerCandidate && !stopping; k++) {
        phase.step(rng);
        iteration += 1;
        // Lets transitions and stop messages in between updates.
        if (k % 10 === 9) await new Promise((r) => setImmediate(r));
        takePending();
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
      const prepared = await prepare(await readBundleModels(dir));
      const verdict = await check(prepared, models, heldOut, s);
      const report = { dir, iteration, recall: verdict.recall, parityError: verdict.parityError, heldOut: heldOut.size };
      if (verdict.problem) send({ type: 'rejected', report, reason: verdict.problem });
      else send({ type: 'candidate', report, models: prepared }, [prepared.criticOnnx.buffer as ArrayBuffer, prepared.recoveryOnnx.buffer as ArrayBuffer]);
      // The control thread has loaded every candidate but the newest few by now (it loads each at once).
      for (const old of candidates(s.candidateDir).slice(0, -s.keepCandidates)) rmSync(join(s.candidateDir, old.name), { recursive: true, force: true });
    }
  } finally {
    phase.dispose();
    send({ type: 'stopped' });
  }
}

/** The candidate's models as the control thread will open them, optimized here, off the control thread. */
async function prepare(bundle: BundleModels): Promise<PreparedModels> {
  return { manifest: bundle.manifest, criticOnnx: await preOptimize(bundle.criticOnnx), recoveryOnnx: await preOptimize(bundle.recoveryOnnx) };
}

/**
 * A candidate passes when its ONNX risk is finite and in [0, 1], agrees with tfjs, and still flags
 * the held-out violations; with too few of them to measure that, it does not pass.
 */
async function check(prepared: PreparedModels, models: TrainedModels, heldOut: ReplayBuffer, s: AdaptationSettings): Promise<{ problem: string | null; recall: number | null; parityError: number }> {
  if (heldOut.size === 0) return { problem: 'no held-out transitions to check it on yet', recall: null, parityError: 0 };
  const data = heldOut.sample(new Rng(0), heldOut.size);
  // The critic the control thread will run: the pre-optimized one.
  const { risk, release } = await bundleRisk(prepared);
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
  if (violations < s.minHeldOutViolations) return { problem: `only ${violations} held-out violations (${s.minHeldOutViolations} needed to check recall)`, recall, parityError };
  if (recall !== null && recall < s.minRecall) return { problem: `recall ${recall.toFixed(3)} on ${violations} held-out violations is below ${s.minRecall}`, recall, parityError };
  return { problem: null, recall, parityError };
}
