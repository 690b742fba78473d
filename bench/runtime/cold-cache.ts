/**
 * Why a paced decision has a longer tail than the same decisions back to back: the critic's
 * inference timed back to back with a growing amount of memory written between two inferences,
 * which pushes the models out of the caches as a 1 ms gap between ticks may (`bench:runtime`).
 * Usage: node dist/bench/runtime/cold-cache.js [--runs N --bundle NAME]
 */
import { join } from 'node:path';
import { packageRoot } from '../../sim/index.js';
import { loadShieldModels } from '../../runtime/index.js';
import { benchArgs } from '../bench-args.js';
import { timeCritic } from './critic-latency.js';

const args = benchArgs("Critic inference latency (onnxruntime, the runtime's risk()) with 0 to 32 MB written between two inferences.", {
  runs: { default: 20_000, min: 100, help: 'inferences per row' },
  bundle: { default: 'navigation1-mesa', choices: null, help: 'a folder under models/' },
});
const EVICT_BYTES = [0, 256 * 1024, 2 * 1024 * 1024, 32 * 1024 * 1024];
const LINE_DOUBLES = 8;
const WARM_UP = 5_000;

const models = await loadShieldModels(join(packageRoot(), 'models', args.bundle), 'onnxruntime');
console.log(`command: node dist/bench/runtime/cold-cache.js --runs ${args.runs} --bundle ${args.bundle}`);
console.log(`node ${process.version}; ${args.runs} critic inferences per row after ${WARM_UP} warm-up ones, µs`);
for (const bytes of EVICT_BYTES) {
  const junk = new Float64Array(bytes / 8);
  // One write per cache line is enough to claim the line.
  const micros = await timeCritic(models, args.runs, WARM_UP, () => {
    for (let k = 0; k < junk.length; k += LINE_DOUBLES) junk[k] += 1;
  });
  micros.sort();
  const q = (p: number) => micros[Math.min(args.runs - 1, Math.floor(p * args.runs))].toFixed(1);
  console.log(`${`${(bytes / 1024 / 1024).toFixed(2)} MB written between inferences`.padEnd(40)} p50 ${q(0.5).padStart(6)}  p99 ${q(0.99).padStart(6)}  p99.9 ${q(0.999).padStart(6)}`);
}
await models.release();
