/**
 * Single-sample onnxruntime-node latency of exported critics at reference size (obs 2, act 2, the
 * navigation domains): the twin 2 x 256 MLP and MESA's 3 x 100 weight-transform critic folded
 * into dense layers. Prints p50/p90/p99/p99.9 of `session.run` over N runs after a warm-up, with ORT's
 * default threading and with one intra-op thread, and of the runtime's synchronous `risk()`. Usage: node dist/bench/export/latency.js [--runs N]
 */
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import { Rng } from '../../sim/index.js';
import { SafetyCritic, type CriticArchitecture } from '../../training/critic.js';
import { criticToOnnx } from '../../training/export/index.js';
import { loadShieldModels } from '../../runtime/index.js';
import { benchArgs } from '../bench-args.js';
import { syntheticBundle } from '../synthetic-bundle.js';

const { runs } = benchArgs('Single-sample onnxruntime-node latency of exported critics (obs 2, act 2).', {
  runs: { default: 5000, min: 1, help: 'timed session.run calls per row' },
});
const WARMUP = 500;
const [OBS, ACT] = [2, 2];

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function timed(run: () => unknown): Promise<Float64Array> {
  for (let i = 0; i < WARMUP; i++) await run();
  const micros = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await run();
    micros[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  return micros.sort();
}

async function publicRun(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<Float64Array> {
  const session = await ort.InferenceSession.create(bytes, options);
  const feeds = {
    observation: new ort.Tensor('float32', Float32Array.of(0.5, -1.5), [1, OBS]),
    action: new ort.Tensor('float32', Float32Array.of(0.2, -0.7), [1, ACT]),
  };
  const micros = await timed(() => session.run(feeds));
  await session.release();
  return micros;
}

/** The runtime's `ShieldModels.risk` on a bundle of the same architecture: what `Shield.decide` calls. */
async function runtimeRisk(architecture: CriticArchitecture): Promise<Float64Array> {
  const models = await loadShieldModels(await syntheticBundle(architecture, 'gaussian'), 'onnxruntime');
  const [obs, act] = [Float64Array.of(0.5, -1.5), Float64Array.of(0.2, -0.7)];
  const micros = await timed(() => models.risk(obs, act));
  await models.release();
  return micros;
}

const ortVersion = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
console.log(`command: node ${process.argv.slice(1).map((a) => a.replace(process.cwd() + '/', '')).join(' ')}`);
console.log(`onnxruntime-node ${ortVersion}, Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}`);
console.log(`single-sample inference, ${runs} runs after ${WARMUP} warm-up runs, microseconds; the public session.run with`);
console.log(`onnxruntime's default threads and with one, and the runtime's risk() (one thread, synchronous native session)`);
console.log('critic                               path         p50     p90     p99   p99.9');
for (const architecture of ['twin-mlp', 'weight-transform'] as CriticArchitecture[]) {
  const critic = new SafetyCritic(architecture, OBS, ACT);
  const heads = critic.fold(critic.init(new Rng(0)));
  const bytes = criticToOnnx(heads, OBS, ACT);
  const shape = heads.map((h) => [h[0].inputs, ...h.map((l) => l.outputs)].join('-')).join(' | ');
  const rows: [string, Float64Array][] = [
    ['run', await publicRun(bytes, {})],
    ['run, 1', await publicRun(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 })],
    ['risk()', await runtimeRisk(architecture)],
  ];
  for (const [label, t] of rows) {
    const cells = [0.5, 0.9, 0.99, 0.999].map((p) => percentile(t, p).toFixed(1).padStart(7));
    console.log(`${`${architecture} (${shape})`.padEnd(37)}${label.padEnd(11)}${cells.join(' ')}`);
  }
}
