/**
 * Cost of the transition log on the control loop, for a navigation-sized robot (obs 2, act 2) and
 * an Ant-sized one (obs 43, act 8), with the default flush policy (a chunk per 100 records or 200 ms):
 *
 * - cpu: time per `append` in tight loops of 1000 (the median loop), closing of chunks included;
 * - append: each `append` timed in a loop that yields to the event loop between ticks, as a
 *   control loop does (so the background writes run): p50/p99/p99.9, the worst (the stall), and the
 *   longest garbage-collection pause seen meanwhile, which is what the worst usually is;
 * - chunk close: `flush()` alone (encoding 100 records into a chunk record and queueing it);
 * - the file size per 10^5 ticks, and how fast the log reads back.
 *
 * Usage: node dist/bench/runtime/log.js [--records N]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { TickRecord } from '../../runtime/index.js';
import { TransitionLogWriter, readTransitionLog, type TransitionLogConfig } from '../../runtime/log/index.js';
import { benchArgs } from '../bench-args.js';

const { records } = benchArgs('Cost of the MCAP transition log on the control loop (obs 2/act 2 and obs 43/act 8).', {
  records: { default: 100_000, min: 1, help: 'ticks appended per row' },
});
const WARMUP = 5_000;

let longestGcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longestGcMs = Math.max(longestGcMs, e.duration);
}).observe({ entryTypes: ['gc'] });

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const micros = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e3;

function ticks(observationSize: number, actionSize: number): (i: number) => TickRecord {
  const observation = new Float64Array(observationSize);
  const proposed = new Float64Array(actionSize);
  const applied = new Float64Array(actionSize);
  return (i) => {
    for (let j = 0; j < observationSize; j++) observation[j] = Math.sin(i + j);
    for (let j = 0; j < actionSize; j++) proposed[j] = applied[j] = Math.cos(i - j);
    return { tNs: i * 1e6, observation, proposed, applied, risk: (i % 97) / 97, source: i % 10 ? 'task' : 'recovery', reason: i % 10 ? 'risk-acceptable' : 'risk-too-high', constraint: i % 50 ? 0 : 1 };
  };
}

async function withWriter<T>(config: Omit<TransitionLogConfig, 'dir'>, use: (writer: TransitionLogWriter) => Promise<T>): Promise<{ result: T; bytes: number; appended: number; files: readonly string[]; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mesa-shield-bench-log-'));
  const writer = new TransitionLogWriter({ dir, ...config });
  const result = await use(writer);
  const stats = await writer.close();
  return { result, bytes: stats.files.reduce((n, f) => n + statSync(f).size, 0), appended: stats.appended, files: stats.files, dir };
}

async function run(observationSize: number, actionSize: number): Promise<string> {
  const tickAt = ticks(observationSize, actionSize);
  const tight = await withWriter({}, async (w) => {
    for (let i = 0; i < WARMUP; i++) w.append(tickAt(i));
    // Batches of 1000 with a yield between them (not timed), so the queue drains as on a robot;
    // the median batch, because other processes on the machine stretch a few of them.
    const perRecord: number[] = [];
    for (let start = 0; start + 1000 <= records; start += 1000) {
      const t0 = process.hrtime.bigint();
      for (let i = start; i < start + 1000; i++) w.append(tickAt(i));
      perRecord.push(micros(t0) / 1000);
      await yieldToLoop();
    }
    if (w.stats.dropped > 0) throw new Error(`${w.stats.dropped} records dropped`);
    return percentile(Float64Array.from(perRecord).sort(), 0.5);
  });
  rmSync(tight.dir, { recursive: true, force: true });

  longestGcMs = 0;
  const loop = await withWriter({}, async (w) => {
    for (let i = 0; i < WARMUP; i++) w.append(tickAt(i));
    longestGcMs = 0;
    const times = new Float64Array(records);
    for (let i = 0; i < records; i++) {
      const tick = tickAt(i);
      const t0 = process.hrtime.bigint();
      w.append(tick);
      times[i] = micros(t0);
      await yieldToLoop();
    }
    return times.sort();
  });
  const gcMs = longestGcMs;
  const readStart = process.hrtime.bigint();
  let read = 0;
  for (const f of loop.files) read += (await readTransitionLog(f)).records.length;
  const readRate = read / (micros(readStart) / 1e6);
  if (read !== loop.appended) throw new Error(`read back ${read} records of ${loop.appended}`);
  rmSync(loop.dir, { recursive: true, force: true });

  const flushes = await withWriter({ flush_records: 1_000_000, flush_ms: 1e9 }, async (w) => {
    const times: number[] = [];
    for (let i = 0; i < records; i++) {
      w.append(tickAt(i));
      if (i % 100 !== 99) continue;
      const t0 = process.hrtime.bigint();
      w.flush();
      times.push(micros(t0));
      await yieldToLoop();
    }
    return Float64Array.from(times).sort();
  });
  rmSync(flushes.dir, { recursive: true, force: true });

  const t = loop.result;
  const perTick = loop.bytes / loop.appended;
  const cells = [
    `obs ${observationSize} / act ${actionSize}`.padEnd(15),
    tight.result.toFixed(2).padStart(5),
    ...[0.5, 0.99, 0.999].map((p) => percentile(t, p).toFixed(1).padStart(7)),
    t[records - 1].toFixed(0).padStart(8),
    gcMs.toFixed(1).padStart(8),
    `${percentile(flushes.result, 0.5).toFixed(0)} / ${flushes.result[flushes.result.length - 1].toFixed(0)}`.padStart(12),
    perTick.toFixed(1).padStart(8),
    ((perTick * 1e5) / 2 ** 20).toFixed(2).padStart(10),
    (readRate / 1e3).toFixed(0).padStart(9),
  ];
  return cells.join(' ');
}

console.log(`command: node ${process.argv.slice(1).map((a) => a.replace(process.cwd() + '/', '')).join(' ')}`);
console.log(`Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'} (load average ${loadavg()[0].toFixed(1)}), log folder in ${tmpdir()}`);
console.log(`${records} appends after ${WARMUP} warm-up appends; default flush policy (100 records or 200 ms); times in µs unless marked`);
console.log('robot            cpu    p50     p99   p99.9   max(µs)  GC max ms  close p50/max   B/tick  MiB/1e5   read k/s');
console.log(await run(2, 2));
console.log(await run(43, 8));
