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
 * untimed. Run it as `node --single-threaded-gc dist/bench/runtime/decide.js`
 * for the deployment the README recommends with adaptation. The last row runs the
 * onnxruntime decisions back to back, to show what the gap between ticks adds to the tail.
 * On Linux every row also reports how long the control thread waited for a core while runnable
 * (its run-queue wait, from /proc): the time other threads took from it, which the VM's own
 * interruptions (steal) do not count in.
 * Usage: npm run bench:runtime [-- --ticks N --rows synthetic|shipped|all --bundle NAME]
 * (the issue's figure uses 10^6 ticks: about 17 minutes per paced row; `--rows shipped` runs only
 * the floor rows and the rows on the shipped bundle)
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Rng, packageRoot } from '../../sim/index.js';
import { OnlineAdaptation, SINGLE_THREADED_GC, Shield, loadShieldModels, type Engine } from '../../runtime/index.js';
import { benchArgs } from '../bench-args.js';
import { syntheticBundle } from '../synthetic-bundle.js';

const args = benchArgs('Shield decision latency over N ticks paced at 1 kHz, onnxruntime and TypeScript engines, with and without the adaptation worker.', {
  ticks: { default: 100_000, min: 1, help: 'decisions per row' },
  rows: { default: 'all', choices: ['synthetic', 'shipped', 'all'], help: 'synthetic bundles, a shipped bundle (--bundle), or both' },
  bundle: { default: 'navigation1-mesa', choices: null, help: 'the shipped bundle of the shipped rows, a folder under models/' },
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
  /** Candidates swapped in during the row (with the adaptation worker). */
  swapped: number | null;
  /** Time the control thread spent runnable but waiting for a core during the timed ticks (Linux). */
  preemptedMs: number | null;
}

/** Time this thread has spent runnable but waiting for a core, in ms (Linux schedstat; null elsewhere). */
function runqueueWaitMs(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return null;
  }
}

/**
 * Paces `tick` at one per `periodMs` (1 kHz by default; 0 runs the ticks back to back) for `ticks`
 * ticks after 1,000 warm-up ones; its time is the latency. `afterTick` runs untimed after each,
 * `warmUp` untimed `leadMs` before each is due.
 */
async function paced<T>(tick: (i: number, nowNs: number) => T | Promise<T>, periodMs = PERIOD_MS, afterTick?: (i: number, result: T) => void, warmUp?: { leadMs: number; run: () => unknown }): Promise<Omit<Row, 'swapped'>> {
  const latencies = new Float64Array(ticks);
  let missed = 0;
  let waitedFrom: number | null = null;
  let due = performance.now();
  for (let i = -1000; i < ticks; i++) {
    // As in a control loop, the event loop runs between two ticks (the worker's messages, candidate
    // swaps); its time makes the next tick late. The wait spins on a clock that allocates nothing.
    await yieldToLoop();
    if (warmUp) {
      while (performance.now() < due - warmUp.leadMs);
      warmUp.run();
    }
    while (performance.now() < due);
    const start = performance.now();
    const result = await tick(i, Math.round(start * 1e6));
    const end = performance.now();
    afterTick?.(i, result);
    due += periodMs;
    if (i === -1) waitedFrom = runqueueWaitMs();
    if (i >= 0) {
      latencies[i] = (end - start) * 1e3;
      if (end > due) missed += 1;
    }
    if (end > due + 10 * periodMs) due = end;
  }
  const waitedTo = runqueueWaitMs();
  latencies.sort();
  const q = (p: number) => latencies[Math.min(ticks - 1, Math.floor(p * ticks))];
  const preemptedMs = waitedFrom !== null && waitedTo !== null ? waitedTo - waitedFrom : null;
  return { p50: q(0.5), p99: q(0.99), p999: q(0.999), max: latencies[ticks - 1], missed: periodMs > 0 ? missed : null, preemptedMs };
}

/** `protected`: the worker starts as the service starts it, with `adaptation.protect_control_thread`. */
type Adaptation = 'none' | 'unprotected' | 'protected';

/** Time between `Shield.warm` and the tick, in the rows that warm the models up. */
const WARM_LEAD_MS = 0.05;

async function measure(dir: string, engine: Engine, adaptationMode: Adaptation = 'none', periodMs = PERIOD_MS, warm = false): Promise<Row> {
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
      }, { protectControlThread: adaptationMode === 'protected' })
      : null;
  adaptation?.on('accepted', () => (swapped += 1));
  adaptation?.start();
  if (adaptation?.protection) console.log(`  (control thread protected: ${adaptation.protection.lowered} other threads at the lowest priority, so for every later row)`);
  const previous = new Float64Array(2);
  const rng = new Rng(3);
  const obs = { values: new Float64Array(2), stampNs: 0 };
  const cmd = { values: new Float64Array(2), stampNs: 0 };
  const row = await paced(
    (_, now) => {
      obs.values[0] = rng.uniformIn(-50, 0);
      obs.values[1] = rng.uniformIn(-5, 5);
      cmd.values[0] = rng.uniformIn(-1, 1);
      cmd.values[1] = rng.uniformIn(-1, 1);
      obs.stampNs = cmd.stampNs = now;
      return shield.decide(obs, cmd, now);
    },
    periodMs,
    (i, d) => {
      if (adaptation && i > -1000) adaptation.record({ obs: previous, action: d.action, nextObs: obs.values, constraint: obs.values[0] > -1 ? 1 : 0, done: false });
      previous.set(obs.values);
    },
    warm ? { leadMs: WARM_LEAD_MS, run: () => shield.warm() } : undefined,
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
      `missed ${String(r.missed ?? '-').padStart(4)}  preempted ${r.preemptedMs === null ? '-' : `${r.preemptedMs.toFixed(1)} ms`}${notes.length ? `  (${notes.join('; ')})` : ''}`,
  );
}

const gc = process.execArgv.includes(SINGLE_THREADED_GC) ? `${SINGLE_THREADED_GC} ` : '';
console.log(gc ? `command: node ${gc}dist/bench/runtime/decide.js --ticks ${ticks} --rows ${args.rows} --bundle ${args.bundle}` : `command: npm run bench:runtime -- --ticks ${ticks} --rows ${args.rows} --bundle ${args.bundle}`);
console.log(`node ${process.version} ${gc ? 'with single-threaded garbage collection' : 'with parallel garbage collection (the default)'}; ${ticks} decisions paced at 1 kHz per row; latency of Shield.decide in µs`);
print('loop floor: an empty decision', 'none', await measureFixed(0), null);
print('loop floor: a fixed 25 µs computation', 'none', await measureFixed(25), null);
const synthetic = args.rows === 'shipped' ? [] : ([['twin-mlp', 'gaussian', 'twin 2x256 critic'], ['weight-transform', 'deterministic', 'weight-transform 3x100 critic (folded)']] as const);
for (const [architecture, kind, label] of synthetic) {
  const dir = await syntheticBundle(architecture, kind);
  const ts = await measure(dir, 'typescript');
  print(label, 'typescript', ts, ts);
  print(label, 'onnxruntime', await measure(dir, 'onnxruntime'), ts);
}
if (args.rows !== 'synthetic') {
  // The worker needs a bundle that carries its training state, as the shipped ones do.
  const shipped = join(packageRoot(), 'models', args.bundle);
  const label = `models/${args.bundle}`;
  const ts = await measure(shipped, 'typescript');
  print(label, 'typescript', ts, ts);
  print(label, 'onnxruntime', await measure(shipped, 'onnxruntime'), ts);
  print(`${label}, Shield.warm() ${WARM_LEAD_MS * 1e3} µs before`, 'onnxruntime', await measure(shipped, 'onnxruntime', 'none', PERIOD_MS, true), ts);
  print(`${label} + worker, unprotected`, 'onnxruntime', await measure(shipped, 'onnxruntime', 'unprotected'), ts);
  // Protection is process-wide and cannot be undone: the rows below all run under it.
  print(`${label} + adaptation worker`, 'typescript', await measure(shipped, 'typescript', 'protected'), ts);
  print(`${label} + adaptation worker`, 'onnxruntime', await measure(shipped, 'onnxruntime', 'protected'), ts);
  print(`${label} + worker, Shield.warm() ${WARM_LEAD_MS * 1e3} µs before`, 'onnxruntime', await measure(shipped, 'onnxruntime', 'protected', PERIOD_MS, true), ts);
  // The same decisions without the 1 ms gap: how much of the tail the gap between ticks adds.
  print(`${label}, back to back (no 1 ms gap)`, 'onnxruntime', await measure(shipped, 'onnxruntime', 'none', 0), ts);
}
