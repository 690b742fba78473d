/**
 * Single-sample onnxruntime-node latency of exported critics at reference size (obs 2, act 2, the
 * navigation domains): the twin 2 x 256 MLP and MESA's 3 x 100 weight-transform critic folded
 * into dense layers. Prints p50/p90/p99 of `session.run` over N runs after a warm-up, with ORT's
 * default threading and with one intra-op thread. Usage: node dist/bench/export/latency.js [--runs N]
 */
import { benchArgs } from '../bench-args.js';
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import { Rng } from '../../sim/index.js';
import { SafetyCritic, type CriticArchitecture } from '../../training/critic.js';
import { criticToOnnx } from '../../training/export/index.js';

const { runs } = benchArgs('Single-sample onnxruntime-node latency of exported critics (obs 2, act 2).', {
  runs: { default: 5000, min: 1, help: 'timed session.run calls per row' },
});
const WARMUP = 500;
const [OBS, ACT] = [2, 2];

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function measure(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<Float64Array> {
  const session = await ort.InferenceSession.create(bytes, options);
  const feeds = {
    observation: new ort.Tensor('float32', Float32Array.of(0.5, -1.5), [1, OBS]),
    action: new ort.Tensor('float32', Float32Array.of(0.2, -0.7), [1, ACT]),
  };
  for (let i = 0; i < WARMUP; i++) await session.run(feeds);
  const micros = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    micros[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  await session.release();
  return micros.sort();
}

const ortVersion = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
console.log(`command: node ${process.argv.slice(1).map((a) => a.replace(process.cwd() + '/', '')).join(' ')}`);
console.log(`onnxruntime-node ${ortVersion}, Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}`);
console.log(`single-sample session.run, ${runs} runs after ${WARMUP} warm-up runs, microseconds`);
console.log('critic                               threads   p50     p90     p99');
for (const architecture of ['twin-mlp', 'weight-transform'] as CriticArchitecture[]) {
  const critic = new SafetyCritic(architecture, OBS, ACT);
  const heads = critic.fold(critic.init(new Rng(0)));
  const bytes = criticToOnnx(heads, OBS, ACT);
  const shape = heads.map((h) => [h[0].inputs, ...h.map((l) => l.outputs)].join('-')).join(' | ');
  for (const [label, options] of [['default', {}], ['1', { intraOpNumThreads: 1, interOpNumThreads: 1 }]] as const) {
    const t = await measure(bytes, options);
    const cells = [0.5, 0.9, 0.99].map((p) => percentile(t, p).toFixed(1).padStart(7));
    console.log(`${`${architecture} (${shape})`.padEnd(37)}${label.padEnd(8)}${cells.join(' ')}`);
  }
}
