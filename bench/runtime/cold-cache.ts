/**
 * Why a paced decision has a longer tail than the same decisions back to back: the critic's
 * inference timed back to back with a growing amount of memory written between two inferences,
 * which pushes the models out of the caches as a 1 ms gap between ticks may (`bench:runtime`).
 * Usage: node dist/bench/runtime/cold-cache.js [--runs N --bundle NAME]
 */
import { join } from 'node:path';
import { Rng, packageRoot } from '../../sim/index.js';
import { loadShieldModels } from '../../runtime/index.js';
import { benchArgs } from '../bench-args.js';

const args = benchArgs("Critic inference latency (onnxruntime, the runtime's risk()) with 0 to 32 MB written between two inferences.", {
  runs: { default: 20_000, min: 100, help: 'inferences per row' },
  bundle: { default: 'navigation1-mesa', choices: null, help: 'a folder under models/' },
});
const EVICT_BYTES = [0, 256 * 1024, 2 * 1024 * 1024, 32 * 1024 * 1024];
const LINE_DOUBLES = 8;
const WARM_UP = 5_000;

const models = await loadShieldModels(join(packageRoot(), 'models', args.bundle), 'onnxruntime');
const obs = new Float64Array(models.manifest.observation.size);
const act = new Float64Array(models.manifest.action.size);
const rng = new Rng(3);
console.log(`command: node dist/bench/runtime/cold-cache.js --runs ${args.runs} --bundle ${args.bundle}`);
console.log(`node ${process.version}; ${args.runs} critic inferences per row after ${WARM_UP} warm-up ones, µs`);
for (const bytes of EVICT_BYTES) {
  const junk = new Float64Array(bytes / 8);
  const micros = new Float64Array(args.runs);
  let sink = 0;
  for (let i = -WARM_UP; i < args.runs; i++) {
    // One write per cache line is enough to claim the line.
    for (let k = 0; k < junk.length; k += LINE_DOUBLES) junk[k] += 1;
    for (let j = 0; j < obs.length; j++) obs[j] = rng.uniformIn(-1, 1);
    for (let j = 0; j < act.length; j++) act[j] = rng.uniformIn(-1, 1);
    const t0 = performance.now();
    sink += await models.risk(obs, act);
    if (i >= 0) micros[i] = (performance.now() - t0) * 1e3;
  }
  if (!Number.isFinite(sink)) throw new Error('the critic returned a non-finite risk');
  micros.sort();
  const q = (p: number) => micros[Math.min(args.runs - 1, Math.floor(p * args.runs))].toFixed(1);
  console.log(`${`${(bytes / 1024 / 1024).toFixed(2)} MB written between inferences`.padEnd(40)} p50 ${q(0.5).padStart(6)}  p99 ${q(0.99).padStart(6)}  p99.9 ${q(0.999).padStart(6)}`);
}
await models.release();
