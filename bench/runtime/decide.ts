/**
 * Shield decision latency: p50/p99/p99.9/max over N ticks paced at 1 kHz in one process, for the
 * onnxruntime engine and the plain-TypeScript engine on the same weights, as ratios to the
 * TypeScript engine measured in the same run. Counts ticks whose decision finished after the next
 * tick was due (missed 1 ms deadlines), the event loop's turn between ticks included.
 * Two floor rows come first: the same loop around an empty decision and around a fixed 25 µs
 * computation, so that the machine's own tail can be told from the engines'. The shipped-bundle
 * rows repeat the measurement with and without the online-adaptation worker training on the ticks'
 * transitions in its thread (swapping its accepted candidates into the shield as it goes): first
 * with the worker alone at the lowest priority, then as the service starts it, with every other
 * thread lowered (`adaptation.protect_control_thread`, which lasts for the rest of the process, so
 * it comes after the rows without it). Two rows call `Shield.warm()` 50 µs before each tick is due,
 * untimed; one calls it at the tick, right before the decision, timed with it (what a loop that
 * cannot tell when the next tick comes could do). Run it as `node --single-threaded-gc dist/bench/runtime/decide.js`
 * for the deployment the README recommends with adaptation. The last row runs the
 * onnxruntime decisions back to back, to show what the gap between ticks adds to the tail.
 * On Linux every row also reports how long the control thread waited for a core while runnable
 * (its run-queue wait, from /proc): the time other threads took from it, which the VM's own
 * interruptions (steal) do not count in. Each missed tick is put down to one cause
 * (missed-ticks.ts: preemption, garbage collection, the event-loop turn, or none of these).
 * Usage: npm run bench:runtime [-- --ticks N --rows synthetic|shipped|all|adaptation --bundle NAME]
 * (the issue's figure uses 10^6 ticks: about 17 minutes per paced row; `--rows shipped` runs only
 * the floor rows and the rows on the shipped bundle, `--rows adaptation` only the shipped bundle's
 * onnxruntime rows without and with the worker as the service runs it)
 */
import { closeSync, mkdtempSync, openSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Rng, packageRoot } from '../../sim/index.js';
import { OnlineAdaptation, SINGLE_THREADED_GC, Shield, loadShieldModels, type Engine } from '../../runtime/index.js';
import { benchArgs } from '../bench-args.js';
import { syntheticBundle } from '../synthetic-bundle.js';
import { MISS_CAUSES, countCauses, type GcPause, type MissCause, type MissedTick } from './missed-ticks.js';

const args = benchArgs('Shield decision latency over N ticks paced at 1 kHz, onnxruntime and TypeScript engines, with and without the adaptation worker.', {
  ticks: { default: 100_000, min: 1, help: 'decisions per row' },
  rows: { default: 'all', choices: ['synthetic', 'shipped', 'all', 'adaptation'], help: 'synthetic bundles, a shipped bundle (--bundle), both, or only the shipped onnxruntime rows without and with the worker (for long runs)' },
  bundle: { default: 'navigation1-mesa', choices: null, help: 'the shipped bundle of the shipped rows, a folder under models/' },
  'control-cpu': { default: -1, min: -1, help: 'with the worker: pin the control thread to this CPU and every other thread to the rest (adaptation.control_cpu; -1 pins nothing)' },
  blocks: { default: 10, min: 1, help: 'with --rows adaptation: alternate the two rows in this many blocks of ticks/blocks each, so that both see the same drift of the machine' },
});
const { ticks } = args;
const PERIOD_MS = 1;

interface Row {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Ticks that ended after the next one was due; null when ticks run back to back. */
  missed: number | null;
  /** The missed ticks by cause (missed-ticks.ts); null when ticks run back to back. */
  causes: Record<MissCause, number> | null;
  /** Candidates swapped in during the row (with the adaptation worker). */
  swapped: number | null;
  /** Time the control thread spent runnable but waiting for a core during the timed ticks (Linux). */
  preemptedMs: number | null;
}

/**
 * The control thread's run-queue wait (time runnable but waiting for a core), in ms, from Linux
 * schedstat; read with one pread per call, cheap enough for every tick. Elsewhere it reads 0 and
 * `available` is false.
 */
class RunqueueWait {
  private readonly fd: number | null;
  private readonly buffer = Buffer.alloc(128);
  constructor() {
    try {
      this.fd = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      this.fd = null;
    }
  }
  get available(): boolean {
    return this.fd !== null;
  }
  ms(): number {
    if (this.fd === null) return 0;
    const n = readSync(this.fd, this.buffer, 0, this.buffer.length, 0);
    const fields = this.buffer.toString('latin1', 0, n).split(' ');
    return Number(fields[1]) / 1e6;
  }
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
  }
}

/**
 * Busy-waits until `performance.now()` reaches `ms`. It spins on `process.hrtime.bigint()`, which
 * optimized code compares without allocating: `performance.now()` allocates a heap number per call,
 * and spinning on it filled the young generation about 25 times a second, writing through the caches
 * between two ticks and collecting on the control thread (measured with --trace-gc).
 */
function spinUntil(ms: number): void {
  const until = process.hrtime.bigint() + BigInt(Math.max(0, Math.round((ms - performance.now()) * 1e6)));
  while (process.hrtime.bigint() < until);
}

/**
 * Paces `tick` at one per `periodMs` (1 kHz by default; 0 runs the ticks back to back) for `ticks`
 * ticks after 1,000 warm-up ones; its time is the latency. `afterTick` runs untimed after each,
 * `warmUp` untimed `leadMs` before each is due.
 */
async function paced<T>(tick: (i: number, nowNs: number) => T | Promise<T>, periodMs = PERIOD_MS, afterTick?: (i: number, result: T) => void, warmUp?: { leadMs: number; run: () => unknown }, count = ticks): Promise<Omit<Row, 'swapped'>> {
  const latencies = new Float64Array(count);
  const missedTicks: MissedTick[] = [];
  const gcPauses: GcPause[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, duration: e.duration });
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const runqueue = new RunqueueWait();
  let waitedFrom = 0;
  let waited = runqueue.ms();
  let due = performance.now();
  let previousEnd = due;
  for (let i = -1000; i < count; i++) {
    // As in a control loop, the event loop runs between two ticks (the worker's messages, candidate
    // swaps); its time makes the next tick late.
    await yieldToLoop();
    const turnEnd = performance.now();
    if (warmUp) {
      spinUntil(due - warmUp.leadMs);
      warmUp.run();
    }
    spinUntil(due);
    const start = performance.now();
    const result = await tick(i, Math.round(start * 1e6));
    const end = performance.now();
    const waitedBefore = waited;
    waited = runqueue.ms();
    afterTick?.(i, result);
    const dueNow = due;
    due += periodMs;
    if (i === -1) waitedFrom = waited;
    if (i >= 0) {
      latencies[i] = (end - start) * 1e3;
      if (periodMs > 0 && end > due) missedTicks.push({ from: previousEnd, turnEnd, due: dueNow, end, runqueueWaitMs: waited - waitedBefore });
    }
    if (end > due + 10 * periodMs) due = end;
    previousEnd = end;
  }
  const preemptedMs = runqueue.available ? runqueue.ms() - waitedFrom : null;
  runqueue.close();
  // GC entries arrive on a later turn of the event loop.
  await yieldToLoop();
  gcObserver.disconnect();
  latencies.sort();
  const q = (p: number) => latencies[Math.min(count - 1, Math.floor(p * count))];
  const paced = periodMs > 0;
  return {
    p50: q(0.5),
    p99: q(0.99),
    p999: q(0.999),
    max: latencies[count - 1],
    missed: paced ? missedTicks.length : null,
    causes: paced ? countCauses(missedTicks, periodMs, gcPauses) : null,
    preemptedMs,
  };
}

/** `protected`: the worker starts as the service starts it, with `adaptation.protect_control_thread`. */
type Adaptation = 'none' | 'unprotected' | 'protected';

let protectionReported = false;

/** Time between `Shield.warm` and the tick, in the rows that warm the models up ahead. */
const WARM_LEAD_MS = 0.05;

/** `ahead`: `Shield.warm()` untimed WARM_LEAD_MS before each tick; `at-tick`: right before the decision, timed with it. */
type Warm = 'none' | 'ahead' | 'at-tick';

async function measure(dir: string, engine: Engine, adaptationMode: Adaptation = 'none', periodMs = PERIOD_MS, warm: Warm = 'none', count = ticks): Promise<Row> {
  const models = await loadShieldModels(dir, engine);
  const shield = new Shield(models, { epsSafe: 0.3, fallback: 'recovery', maxStateAgeMs: 100, maxCommandAgeMs: 100, hysteresis: null, maxBypassS: 60 });
  let swapped = 0;
  const adaptation =
    adaptationMode !== 'none'
      ? new OnlineAdaptation(shield, {
        bundle: dir,
        offlineData: null,
        candidateDir: mkdtempSync(join(tmpdir(), 'mesa-bench-candidates-')),
        gammaRisk: models.manifest.risk.gammaRisk,
        tauRisk: null,
        epsRisk: 0.3,
        iterationsPerCandidate: 200,
        minNewTransitions: 256,
        keepCandidates: 3,
        batchSize: 256,
        heldOutFraction: 0.2,
        minRecall: 0,
        minHeldOutViolations: 10,
        parityTolerance: 1e-3,
        seed: 0,
      }, { protectControlThread: adaptationMode === 'protected', controlCpu: adaptationMode === 'protected' && args['control-cpu'] >= 0 ? args['control-cpu'] : null })
      : null;
  adaptation?.on('accepted', () => (swapped += 1));
  adaptation?.start();
  if (adaptation?.protection && !protectionReported) {
    protectionReported = true;
    const pin = adaptation.protection.pinning;
    console.log(`  (control thread protected: ${adaptation.protection.lowered} other threads at the lowest priority${pin ? `, the control thread alone on CPU ${pin.controlCpu}, the others on ${pin.otherCpus.join(',')}` : ''}, so for every later row)`);
  }
  const previous = new Float64Array(2);
  const rng = new Rng(3);
  const obs = { values: new Float64Array(2), stampNs: 0 };
  const cmd = { values: new Float64Array(2), stampNs: 0 };
  const decideAt = (now: number) => {
    obs.values[0] = rng.uniformIn(-50, 0);
    obs.values[1] = rng.uniformIn(-5, 5);
    cmd.values[0] = rng.uniformIn(-1, 1);
    cmd.values[1] = rng.uniformIn(-1, 1);
    obs.stampNs = cmd.stampNs = now;
    return shield.decide(obs, cmd, now);
  };
  const row = await paced(
    warm === 'at-tick'
      ? async (_, now) => {
        const warming = shield.warm();
        if (warming) await warming;
        return decideAt(now);
      }
      : (_, now) => decideAt(now),
    periodMs,
    (i, d) => {
      if (adaptation && i > -1000) adaptation.record({ obs: previous, action: d.action, nextObs: obs.values, constraint: obs.values[0] > -1 ? 1 : 0, done: false });
      previous.set(obs.values);
    },
    warm === 'ahead' ? { leadMs: WARM_LEAD_MS, run: () => shield.warm() } : undefined,
    count,
  );
  await adaptation?.stop();
  await shield.models?.release();
  return { ...row, swapped: adaptation ? swapped : null };
}

/** A computation that allocates nothing and calls nothing: `iterations` steps of a float recurrence. */
function fixedWork(iterations: number): number {
  let x = 0.5;
  for (let k = 0; k < iterations; k++) x = 3.9 * x * (1 - x);
  return x;
}

/**
 * The same loop around a decision of fixed cost: an empty one (what the timer reads and the awaited
 * turn cost), and a pure computation whose median is about `targetUs`. The latter's tail is what
 * this machine (interrupts, preemption, frequency changes) adds to any computation of that length;
 * an engine's tail above it comes from the engine.
 */
async function measureFixed(targetUs: number): Promise<Row> {
  let iterations = 0;
  if (targetUs > 0) {
    // Timed after warm-up calls, once the loop runs optimized code.
    const probe = 1_000_000;
    let ms = Infinity;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      fixedWork(probe);
      ms = Math.min(ms, performance.now() - t0);
    }
    iterations = Math.round((probe * targetUs) / (ms * 1e3));
  }
  let sink = 0;
  const row = await paced(() => {
    sink += fixedWork(iterations);
  });
  if (!Number.isFinite(sink)) throw new Error('the recurrence left [0, 1]');
  return { ...row, swapped: null };
}

function print(label: string, engine: Engine | 'none', r: Row, reference: Row | null): void {
  const notes = [reference && `p99 ${(r.p99 / reference.p99).toFixed(2)}x the TypeScript engine`, r.swapped !== null && `${r.swapped} candidates swapped in`].filter(Boolean);
  console.log(
    `${label.padEnd(62)} ${engine.padEnd(12)} p50 ${r.p50.toFixed(1).padStart(6)}  p99 ${r.p99.toFixed(1).padStart(6)}  p99.9 ${r.p999.toFixed(1).padStart(7)}  max ${r.max.toFixed(0).padStart(6)}  ` +
      `missed ${String(r.missed ?? '-').padStart(4)}${r.causes && r.missed ? ` (${MISS_CAUSES.map((c) => `${c} ${r.causes?.[c]}`).join(', ')})` : ''}  preempted ${r.preemptedMs === null ? '-' : `${r.preemptedMs.toFixed(1)} ms`}${notes.length ? `  (${notes.join('; ')})` : ''}`,
  );
}

const extraArgs = `${args.rows === 'adaptation' ? ` --blocks ${args.blocks}` : ''}${args['control-cpu'] >= 0 ? ` --control-cpu ${args['control-cpu']}` : ''}`;
const gc = process.execArgv.includes(SINGLE_THREADED_GC) ? `${SINGLE_THREADED_GC} ` : '';
console.log(gc ? `command: node ${gc}dist/bench/runtime/decide.js --ticks ${ticks} --rows ${args.rows} --bundle ${args.bundle}${extraArgs}` : `command: npm run bench:runtime -- --ticks ${ticks} --rows ${args.rows} --bundle ${args.bundle}${extraArgs}`);
console.log(`node ${process.version} ${gc ? 'with single-threaded garbage collection' : 'with parallel garbage collection (the default)'}; ${ticks} decisions paced at 1 kHz per row; latency of Shield.decide in µs`);
const shipped = join(packageRoot(), 'models', args.bundle);
const label = `models/${args.bundle}`;
if (args.rows === 'adaptation') {
  // Only what a long run needs to tell the worker's missed ticks from the machine's, the two rows
  // alternating block by block (after the first block with the worker, both run protected).
  const perBlock = Math.ceil(ticks / args.blocks);
  const totals = { without: [] as Row[], with: [] as Row[] };
  for (let b = 1; b <= args.blocks; b++) {
    const without = await measure(shipped, 'onnxruntime', 'none', PERIOD_MS, 'none', perBlock);
    print(`${label}, block ${b}/${args.blocks}`, 'onnxruntime', without, null);
    const withWorker = await measure(shipped, 'onnxruntime', 'protected', PERIOD_MS, 'none', perBlock);
    print(`${label} + adaptation worker, block ${b}/${args.blocks}`, 'onnxruntime', withWorker, null);
    totals.without.push(without);
    totals.with.push(withWorker);
  }
  for (const [name, rows] of [['without the worker', totals.without], ['with the worker', totals.with]] as const) {
    const sum = (f: (r: Row) => number) => rows.reduce((a, r) => a + f(r), 0);
    const causes = MISS_CAUSES.map((c) => `${c} ${sum((r) => r.causes?.[c] ?? 0)}`).join(', ');
    console.log(`total ${name}: ${perBlock * args.blocks} ticks, missed ${sum((r) => r.missed ?? 0)} (${causes}), worst p99 of a block ${Math.max(...rows.map((r) => r.p99)).toFixed(1)} µs, max ${Math.max(...rows.map((r) => r.max)).toFixed(0)} µs, preempted ${sum((r) => r.preemptedMs ?? 0).toFixed(1)} ms${name === 'with the worker' ? `, ${sum((r) => r.swapped ?? 0)} candidates swapped in` : ''}`);
  }
} else {
  print('loop floor: an empty decision', 'none', await measureFixed(0), null);
  print('loop floor: a fixed 25 µs computation', 'none', await measureFixed(25), null);
}
const synthetic = args.rows === 'synthetic' || args.rows === 'all' ? ([['twin-mlp', 'gaussian', 'twin 2x256 critic'], ['weight-transform', 'deterministic', 'weight-transform 3x100 critic (folded)']] as const) : [];
for (const [architecture, kind, label] of synthetic) {
  const dir = await syntheticBundle(architecture, kind);
  const ts = await measure(dir, 'typescript');
  print(label, 'typescript', ts, ts);
  print(label, 'onnxruntime', await measure(dir, 'onnxruntime'), ts);
}
if (args.rows === 'shipped' || args.rows === 'all') {
  // The worker needs a bundle that carries its training state, as the shipped ones do.
  const ts = await measure(shipped, 'typescript');
  print(label, 'typescript', ts, ts);
  print(label, 'onnxruntime', await measure(shipped, 'onnxruntime'), ts);
  print(`${label}, Shield.warm() ${WARM_LEAD_MS * 1e3} µs before`, 'onnxruntime', await measure(shipped, 'onnxruntime', 'none', PERIOD_MS, 'ahead'), ts);
  print(`${label}, Shield.warm() at the tick, timed too`, 'onnxruntime', await measure(shipped, 'onnxruntime', 'none', PERIOD_MS, 'at-tick'), ts);
  print(`${label} + worker, unprotected`, 'onnxruntime', await measure(shipped, 'onnxruntime', 'unprotected'), ts);
  // Protection is process-wide and cannot be undone: the rows below all run under it.
  print(`${label} + adaptation worker`, 'typescript', await measure(shipped, 'typescript', 'protected'), ts);
  print(`${label} + adaptation worker`, 'onnxruntime', await measure(shipped, 'onnxruntime', 'protected'), ts);
  print(`${label} + worker, Shield.warm() ${WARM_LEAD_MS * 1e3} µs before`, 'onnxruntime', await measure(shipped, 'onnxruntime', 'protected', PERIOD_MS, 'ahead'), ts);
  // The same decisions without the 1 ms gap: how much of the tail the gap between ticks adds.
  print(`${label}, back to back (no 1 ms gap)`, 'onnxruntime', await measure(shipped, 'onnxruntime', 'none', 0), ts);
}
