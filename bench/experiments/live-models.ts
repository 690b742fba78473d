import * as tf from '@tensorflow/tfjs';
import type { Manifest } from '../../models/format/index.js';
import type { ShieldModels } from '../../runtime/index.js';
import type { Rng } from '../../sim/index.js';
import type { RiskLearner } from '../../training/risk-learner.js';

/**
 * The runtime's `ShieldModels` over the critic and recovery policy being trained online: every
 * tick the shield gates with the networks as they are after that step's update, which is what
 * the reference's phase 3 does (one risk update per environment step, gating with the current
 * critic). Exporting ONNX at a cadence instead would gate with stale networks between exports.
 *
 * The recovery action is a sample (the Gaussian policy's mean + std * eps, MESA's mean + 0.01 eps),
 * as the reference executes it; a deployed bundle's recovery.onnx gives the mean.
 */
export function liveShieldModels(manifest: Manifest, learner: RiskLearner, noise: Rng): ShieldModels {
  const { critic, recovery } = learner;
  const obs = new Float32Array(critic.observationSize);
  const act = new Float32Array(critic.actionSize);
  return {
    manifest,
    engine: 'external',
    risk(o, a) {
      obs.set(o);
      act.set(a);
      const r = tf.tidy(() => critic.risk(learner.criticVars, tf.tensor2d(obs, [1, obs.length]), tf.tensor2d(act, [1, act.length])));
      const value = r.dataSync()[0];
      r.dispose();
      return value;
    },
    recover(o, out) {
      obs.set(o);
      const a = tf.tidy(() => recovery.sample(learner.recoveryVars, tf.tensor2d(obs, [1, obs.length]), noise));
      out.set(a.dataSync());
      a.dispose();
    },
    release: async () => {},
  };
}
