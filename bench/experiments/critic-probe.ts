/**
 * How the risk critic of a phase-3 checkpoint scores the online transitions: its risk on the
 * violating ones (whose Bellman target is exactly 1) against the safe ones, for the online critic
 * and its target network. A run keeps only its newest checkpoint; copy `<run>/checkpoint` as it is
 * written to follow a run.
 * Usage: node dist/bench/experiments/critic-probe.js --bundle models/navigation1-mesa --eps 0.3 CHECKPOINT...
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { readCheckpoint, takeList } from '../../training/checkpoint.js';
import { initTrainingBackend } from '../../training/backend.js';
import type { SafetyCritic } from '../../training/critic.js';
import { readModelBundle } from '../../training/model-bundle.js';

const USAGE = 'usage: node dist/bench/experiments/critic-probe.js --bundle DIR --eps X CHECKPOINT...';
const { values, positionals } = parseArgs({ options: { bundle: { type: 'string' }, eps: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
if (values.help) {
  console.log(`${USAGE}\nThe risk a phase-3 checkpoint's critic gives the online violating and safe transitions (the bundle the run started from gives the network's shapes).`);
  process.exit(0);
}
const eps = Number(values.eps);
if (!values.bundle || !(eps > 0 && eps < 1) || positionals.length === 0) {
  console.error(USAGE);
  process.exit(2);
}
const bundleDir = values.bundle;

/** The part of a run checkpoint's metadata the probe reads (run-state.ts writes it). */
const probeMeta = z.object({
  counters: z.object({ episodes: z.int().min(0) }),
  risk: z.object({ online: z.int().min(0), target: z.boolean() }).nullable(),
});

function risks(critic: SafetyCritic, params: Float32Array[], obs: Float32Array, action: Float32Array, n: number): Float32Array {
  return tf.tidy(() => {
    const p = params.map((v, i) => tf.tensor(v, [...critic.shapes[i]]));
    return critic.risk(p, tf.tensor2d(obs, [n, critic.observationSize]), tf.tensor2d(action, [n, critic.actionSize])).dataSync() as Float32Array;
  });
}

function summary(values: Float32Array, rows: readonly number[]): string {
  const v = rows.map((i) => values[i]).sort((a, b) => a - b);
  if (v.length === 0) return 'none';
  const q = (p: number) => v[Math.min(v.length - 1, Math.floor(p * v.length))].toFixed(3);
  return `n ${v.length}  mean ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(3)}  p10 ${q(0.1)}  median ${q(0.5)}  p90 ${q(0.9)}  above eps ${(v.filter((x) => x > eps).length / v.length).toFixed(2)}`;
}

async function main(): Promise<void> {
  await initTrainingBackend();
  const { models } = await readModelBundle(bundleDir);
  const critic = models.critic;
  for (const dir of positionals) {
    const { meta, tensors } = readCheckpoint(dir, (m) => probeMeta.parse(m));
    if (!meta.risk) throw new Error(`${dir} is a checkpoint of a run without a risk critic`);
    const n = meta.risk.online;
    const column = (name: string, width: number) => {
      const t = tensors[name];
      if (!t || t.length !== n * width) throw new Error(`${dir}: ${name} is missing or does not hold ${n} transitions`);
      return t;
    };
    const constraint = column('online.constraint', 1);
    const [obs, action] = [column('online.obs', critic.observationSize), column('online.action', critic.actionSize)];
    const violating: number[] = [];
    const safe: number[] = [];
    for (let i = 0; i < n; i++) (constraint[i] === 1 ? violating : safe).push(i);
    console.log(`${dir}: after episode ${meta.counters.episodes}, ${n} online transitions, ${violating.length} violating`);
    const nets: [string, Float32Array[]][] = [['online critic', takeList(tensors, 'risk.critic', critic.shapes)]];
    if (meta.risk.target) nets.push(['target network', takeList(tensors, 'risk.target', critic.shapes)]);
    for (const [label, params] of nets) {
      const r = risks(critic, params, obs, action, n);
      console.log(`  ${label}, violating: ${summary(r, violating)}`);
      console.log(`  ${label}, safe:      ${summary(r, safe)}`);
    }
  }
}

try {
  await main();
} catch (e) {
  console.error(`critic-probe: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
}
