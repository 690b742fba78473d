/**
 * Environment steps per second for every domain under a random policy, and raw MuJoCo physics
 * steps per second (mj_step on the same model, random controls) for the MuJoCo domains, all measured
 * in one process. Usage: npm run bench:sim [-- --steps N]
 */
import { MujocoSim } from '../../sim/mujoco/index.js';
import { Rng, listDomains, randomPolicy, type Env } from '../../sim/index.js';
import { benchArgs } from '../bench-args.js';

const { steps } = benchArgs('Environment steps per second of every domain under a random policy, and raw MuJoCo steps per second.', {
  steps: { default: 20_000, min: 1, help: 'timed steps per domain' },
});

function timeSeconds(run: (n: number) => void): number {
  run(Math.min(2000, steps)); // MuJoCo's WASM code runs several times slower until the engine has warmed up
  const t0 = process.hrtime.bigint();
  run(steps);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function envSteps(env: Env, rng: Rng): number {
  const policy = randomPolicy(env.actionSpace, rng);
  return timeSeconds((n) => {
    let obs = env.reset(0);
    for (let i = 0; i < n; i++) {
      const r = env.step(policy(obs));
      obs = r.truncated || r.done ? env.reset() : r.observation;
    }
  });
}

function physicsSteps(sim: MujocoSim, rng: Rng): number {
  const ctrl = sim.data.ctrl as Float64Array;
  const range = sim.model.actuator_ctrlrange as Float64Array;
  return timeSeconds((n) => {
    sim.mj.mj_resetData(sim.model, sim.data);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < ctrl.length; j++) ctrl[j] = rng.uniformIn(range[2 * j], range[2 * j + 1]);
      sim.mj.mj_step(sim.model, sim.data);
    }
  });
}

console.log(`command: npm run bench:sim -- --steps ${steps}`);
console.log(`node ${process.version}, ${process.arch}; ${steps} timed steps per figure after a warm-up`);
console.log(`${'domain'.padEnd(22)} ${'env steps/s'.padStart(12)} ${'mj_step/s'.padStart(12)}`);
for (const domain of listDomains()) {
  const rng = new Rng(1);
  const env = await domain.make(domain.sampleEnvironments(rng.fork('environments')).test, { endOnViolation: false });
  const envRate = steps / envSteps(env, rng.fork('policy'));
  const sim = (env as { sim?: unknown }).sim;
  const physicsRate = sim instanceof MujocoSim ? (steps / physicsSteps(sim, rng.fork('ctrl'))).toFixed(0) : '-';
  console.log(`${domain.id.padEnd(22)} ${envRate.toFixed(0).padStart(12)} ${physicsRate.padStart(12)}`);
  env.close();
}
