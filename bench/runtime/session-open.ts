/**
 * What a candidate's load costs the control thread, step by step: opening each of a bundle's models
 * as shipped (onnxruntime optimizes the graph while it opens the session) and as the adaptation
 * worker hands them over (`preOptimize`: optimized in the worker, opened with the optimizer off),
 * and what the two cost per decision afterwards.
 * Usage: node dist/bench/runtime/session-open.js [--opens N --bundle NAME]
 */
import { join } from 'node:path';
import { readBundleModels, type BundleModels } from '../../models/format/index.js';
import { openShieldModels, preOptimize } from '../../runtime/index.js';
import { packageRoot } from '../../sim/index.js';
import { benchArgs } from '../bench-args.js';
import { timeCritic } from './critic-latency.js';

const args = benchArgs("Time to open a bundle's models on the control thread, as shipped and pre-optimized, and their decision latency.", {
  opens: { default: 200, min: 10, help: 'opens per row' },
  bundle: { default: 'navigation1-mesa', choices: null, help: 'a folder under models/' },
});
const DECISIONS = 20_000;

const shipped = await readBundleModels(join(packageRoot(), 'models', args.bundle));
const prepared: BundleModels = { ...shipped, criticOnnx: await preOptimize(shipped.criticOnnx), recoveryOnnx: await preOptimize(shipped.recoveryOnnx) };

const quantiles = (xs: Float64Array) => {
  xs.sort();
  const q = (p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  return { p50: q(0.5), p90: q(0.9), max: xs[xs.length - 1] };
};

/**
 * The longest event-loop turn of each open, in µs: `openShieldModels` runs one step per turn (a
 * model's check, a session's creation, its first run), and the longest is what a tick can wait for.
 */
async function longestTurns(bundle: BundleModels, preOptimized: boolean): Promise<Float64Array> {
  const out = new Float64Array(args.opens);
  for (let i = 0; i < args.opens; i++) {
    let longest = 0;
    let last = performance.now();
    let counting = true;
    const mark = () => {
      if (!counting) return;
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      setImmediate(mark);
    };
    setImmediate(mark);
    last = performance.now();
    const models = await openShieldModels(bundle, 'onnxruntime', { preOptimized });
    counting = false;
    longest = Math.max(longest, performance.now() - last);
    out[i] = longest * 1e3;
    await models.release();
  }
  return out;
}

console.log(`command: node dist/bench/runtime/session-open.js --opens ${args.opens} --bundle ${args.bundle}`);
console.log(`node ${process.version}; ${args.opens} opens of both models per row (longest event-loop turn of each open), then ${DECISIONS} critic inferences, µs`);
const rows: [string, BundleModels, boolean][] = [
  ['as shipped', shipped, false],
  ['pre-optimized, optimizer off', prepared, true],
];
const results: Record<string, { open: ReturnType<typeof quantiles>; risk: ReturnType<typeof quantiles> }> = {};
// Alternated twice, so that both rows see the same drift of the machine.
for (let round = 0; round < 2; round++) {
  for (const [label, bundle, preOptimized] of rows) {
    const open = quantiles(await longestTurns(bundle, preOptimized));
    const models = await openShieldModels(bundle, 'onnxruntime', { preOptimized });
    const risk = quantiles(await timeCritic(models, DECISIONS, 2_000));
    await models.release();
    if (round === 1) results[label] = { open, risk };
  }
}
console.log('| models | longest turn of an open p50 | p90 | max | critic inference p50 | p90 |');
console.log('|---|---|---|---|---|---|');
for (const [label] of rows) {
  const { open, risk } = results[label];
  console.log(`| ${label} | ${open.p50.toFixed(0)} | ${open.p90.toFixed(0)} | ${open.max.toFixed(0)} | ${risk.p50.toFixed(1)} | ${risk.p90.toFixed(1)} |`);
}
const ratio = results[rows[1][0]].open.p50 / results[rows[0][0]].open.p50;
console.log(`longest turn, pre-optimized / as shipped (p50): ${ratio.toFixed(2)}`);
