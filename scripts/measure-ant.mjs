// Ant-Disabled measurements (not a test): env and raw mj_step throughput, and the violation rate of
// a uniformly random policy without termination (the reference's test data: ~11.2K of 40K, ~28%).
// Usage: npx tsc -p . && node scripts/measure-ant.mjs [episodes=10] [leg=3] [timestep=0.01]
import { AntEnv } from '../dist/sim/ant/index.js';
import { Rng, sampleBox } from '../dist/sim/index.js';

const episodes = Number(process.argv[2] ?? 10);
const leg = process.argv[3] === 'none' ? null : Number(process.argv[3] ?? 3);
const timestep = Number(process.argv[4] ?? 0.01);
const env = await AntEnv.create({ domain: 'ant-disabled', disabledLeg: leg, timestep }, { seed: 1, endOnViolation: false });
const policy = new Rng(2);

// One warm-up episode so that the timings below measure steady-state code.
env.reset();
for (let t = 0; t < env.horizon; t++) env.step(sampleBox(env.actionSpace, new Rng(t)));

let steps = 0;
let violations = 0;
const perEpisode = [];
const t0 = performance.now();
for (let e = 0; e < episodes; e++) {
  env.reset();
  let v = 0;
  for (let t = 0; t < env.horizon; t++) v += env.step(sampleBox(env.actionSpace, policy)).constraint;
  perEpisode.push(v);
  violations += v;
  steps += env.horizon;
}
const envSeconds = (performance.now() - t0) / 1000;

// Raw physics under the same kind of random controls, without the env's bookkeeping.
const { mj, model, data } = env.sim;
env.reset();
const raw = 20_000;
const actions = Array.from({ length: 1000 }, () => sampleBox(env.actionSpace, policy));
const t1 = performance.now();
for (let i = 0; i < raw; i++) {
  if (i % 1000 === 0) env.reset();
  data.ctrl.set(actions[i % 1000]);
  mj.mj_step(model, data);
}
const rawSeconds = (performance.now() - t1) / 1000;

console.log(`leg ${leg}, dt ${timestep}: ${violations} violations in ${steps} transitions = ${((100 * violations) / steps).toFixed(1)}%`);
console.log(`violations per episode: ${perEpisode.join(' ')}`);
console.log(`env.step (incl. random action): ${(steps / envSeconds).toFixed(0)} steps/s`);
console.log(`raw mj_step (random ctrl): ${(raw / rawSeconds).toFixed(0)} steps/s`);
env.close();
