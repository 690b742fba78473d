/**
 * A real SAC run as dataset collection makes it (spec 2.2): reference settings on the
 * Cartpole-Length test environment (L = 1.0), 200-step episodes that run on through violations.
 * Prints each episode's return and violations, the speed, and the share of violating transitions
 * (the paper's training datasets: about 4.5K of 20K).
 * Usage: node dist/bench/train/sac-cartpole.js [--episodes N] [--seed S]
 */
import { getDomain, Rng } from '../../sim/index.js';
import { initTrainingBackend } from '../../training/backend.js';
import { runSac } from '../../training/sac-loop.js';
import { sacConfig } from '../../training/sac.js';
import { benchArgs } from '../bench-args.js';

const { episodes, seed } = benchArgs('A real SAC run on the Cartpole-Length test environment (L = 1.0), as dataset collection makes it.', {
  episodes: { default: 20, min: 1, help: '200-step episodes' },
  seed: { default: 0, min: 0, help: 'RNG seed' },
});

const backend = await initTrainingBackend();
console.log(`command: node dist/bench/train/sac-cartpole.js --episodes ${episodes} --seed ${seed}`);
const env = await getDomain('cartpole-length').make({ domain: 'cartpole-length', poleLength: 1.0 }, { endOnViolation: false, seed });
const config = { ...sacConfig('cartpole-length'), episodes };
console.log(`backend ${backend}; cartpole-length L = 1.0, endOnViolation false; start_steps ${config.startSteps}, batch ${config.batchSize}, hidden [${config.hidden}]`);

let violations = 0;
let mark = performance.now();
const t0 = mark;
const run = runSac(env, config, new Rng(seed), {
  onEpisode: (e) => {
    violations += e.violations;
    const now = performance.now();
    const rate = (e.length / (now - mark)) * 1000;
    mark = now;
    console.log(
      `episode ${String(e.index + 1).padStart(3)}  return ${e.return.toFixed(1).padStart(6)}  violations ${String(e.violations).padStart(3)}/${e.length}  ` +
        `${rate.toFixed(0).padStart(4)} steps/s  (${e.updates} updates so far)`,
    );
  },
});
const seconds = (performance.now() - t0) / 1000;
console.log(
  `${run.steps} steps, ${run.updates} updates in ${seconds.toFixed(0)} s: ${(run.steps / seconds).toFixed(1)} steps/s; ` +
    `violating transitions ${violations} (${((100 * violations) / run.steps).toFixed(1)}%)`,
);
run.agent.dispose();
env.close();
