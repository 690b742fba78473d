// Measures HalfCheetah-Disabled speed and the random-policy violation rate (not part of the tests).
// Usage: npx tsc -p . && node scripts/measure-halfcheetah.mjs [episodes=20] [disabledJoint=5|none|partial]
import { Rng, sampleBox } from '../dist/sim/index.js';
import { HalfCheetahEnv, disabledJointParams, partialPowerTestParams } from '../dist/sim/halfcheetah/index.js';

const episodes = Number(process.argv[2] ?? 20);
const which = process.argv[3] ?? '5';
const params =
  which === 'partial' ? partialPowerTestParams() : disabledJointParams(which === 'none' ? null : Number(which));
const env = await HalfCheetahEnv.create(params, { endOnViolation: false });
const rng = new Rng(12345);

// V8 first runs WASM from its baseline compiler and tiers up in the background; warm up so the
// timings below measure the optimised code.
for (let e = 0; e < 3; e++) {
  env.reset(1000 + e);
  for (let i = 0; i < env.horizon; i++) env.step(sampleBox(env.actionSpace, rng));
}

// Random-policy violation statistics, one seed per episode.
let steps = 0;
let violations = 0;
const perEpisode = [];
const t0 = performance.now();
for (let e = 0; e < episodes; e++) {
  env.reset(e);
  let v = 0;
  for (;;) {
    const r = env.step(sampleBox(env.actionSpace, rng));
    steps++;
    v += r.constraint;
    if (r.done || r.truncated) break;
  }
  violations += v;
  perEpisode.push(v);
}
const envSeconds = (performance.now() - t0) / 1000;

// Raw physics speed over the same episodes: same start states, random controls, bare mj_step.
const { mj, model, data } = env.sim;
const ctrl = data.ctrl;
let rawSteps = 0;
let rawSeconds = 0;
for (let e = 0; e < episodes; e++) {
  env.reset(e);
  const t1 = performance.now();
  for (let i = 0; i < env.horizon; i++) {
    for (let j = 0; j < 6; j++) ctrl[j] = rng.uniformIn(-1, 1);
    mj.mj_step(model, data);
  }
  rawSeconds += (performance.now() - t1) / 1000;
  rawSteps += env.horizon;
}
env.close();

console.log(`environment: ${which === 'partial' ? 'partial power' : `disabled joint ${which}`}`);
console.log(`random policy: ${violations} violations in ${steps} transitions = ${((100 * violations) / steps).toFixed(2)}%`);
console.log(`episodes with a violation: ${perEpisode.filter((v) => v > 0).length}/${episodes}; per episode: ${perEpisode.join(' ')}`);
console.log(`env.step: ${(steps / envSeconds).toFixed(0)} steps/s (incl. action sampling and resets)`);
console.log(`raw mj_step: ${(rawSteps / rawSeconds).toFixed(0)} steps/s`);
