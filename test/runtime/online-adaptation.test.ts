import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../../sim/index.js';
import { OnlineAdaptation, Shield, allowedCpus, loadShieldModels, type AdaptationSettings, type ShieldOptions } from '../../runtime/index.js';
import { writeModelBundle } from '../../training/model-bundle.js';
import { train } from '../../training/train.js';
import { arraySource, toyTransitions } from '../support/data.js';
import { useTrainingBackend } from '../support/tf.js';

const options: ShieldOptions = { epsSafe: 0.3, fallback: 'recovery', maxStateAgeMs: 100, maxCommandAgeMs: 100, hysteresis: null, maxBypassS: 10 };

function waitFor<T>(emitter: OnlineAdaptation, event: 'accepted' | 'rejected' | 'restarted', count = 1, timeoutMs = 60_000): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const seen: T[] = [];
    const timer = setTimeout(() => reject(new Error(`no ${event} event within ${timeoutMs} ms`)), timeoutMs);
    emitter.on(event, (...args: unknown[]) => {
      seen.push(args as T);
      if (seen.length === count) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}

describe('online adaptation', () => {
  let bundle = '';
  before(async () => {
    await useTrainingBackend();
    const rng = new Rng(1);
    const result = await train({
      method: 'rrl',
      spec: { method: 'rrl', domain: 'toy', observationSize: 1, actionLow: [-1], actionHigh: [1], criticArchitecture: 'twin-mlp', criticHidden: [16], recoveryKind: 'gaussian' },
      train: [],
      pooled: arraySource(toyTransitions(rng, 10)),
      test: arraySource(toyTransitions(rng, 300)),
      gammaRisk: 0.5,
      iterations: 50,
      batchSize: 32,
      seed: 1,
    });
    bundle = join(mkdtempSync(join(tmpdir(), 'mesa-online-')), 'start');
    await writeModelBundle(bundle, result.models, { epsRisk: 0.3, gammaRisk: 0.5, provenance: { datasets: [], iterations: {}, seed: 1, command: null } });
  });

  const settings = (overrides: Partial<AdaptationSettings> = {}): AdaptationSettings => ({
    bundle,
    offlineData: null,
    candidateDir: mkdtempSync(join(tmpdir(), 'mesa-candidates-')),
    gammaRisk: 0.5,
    tauRisk: null,
    epsRisk: 0.3,
    iterationsPerCandidate: 20,
    minNewTransitions: 1,
    keepCandidates: 2,
    batchSize: 32,
    heldOutFraction: 0.2,
    minRecall: 0,
    minHeldOutViolations: 1,
    parityTolerance: 1e-4,
    seed: 3,
    ...overrides,
  });

  function feed(adaptation: OnlineAdaptation, n: number): void {
    const t = toyTransitions(new Rng(9), n);
    for (let i = 0; i < n; i++) adaptation.record({ obs: [t.obs[i]], action: [t.action[i]], nextObs: [t.nextObs[i]], constraint: t.constraint[i] as 0 | 1, done: t.done[i] === 1 });
    adaptation.flush();
  }

  it('trains on recorded transitions in a worker and swaps checked candidates into the shield between ticks', async () => {
    const models = await loadShieldModels(bundle, 'typescript');
    const shield = new Shield(models, options);
    const adaptation = new OnlineAdaptation(shield, settings());
    const accepted = waitFor<[{ dir: string; parityError: number }]>(adaptation, 'accepted');
    adaptation.start();
    feed(adaptation, 400);
    const [[report]] = await accepted;
    assert.ok(report.parityError < 1e-4);
    assert.equal(shield.models, models, 'nothing changes before the next tick');
    await shield.decide({ values: [0], stampNs: 0 }, { values: [0], stampNs: 0 }, 0);
    assert.notEqual(shield.models, models);
    assert.equal(shield.models?.engine, 'typescript');
    const t0 = Date.now();
    await adaptation.stop();
    assert.ok(Date.now() - t0 < 5000, `the worker ends by itself when stopped (took ${Date.now() - t0} ms)`);
  });

  it("on onnxruntime swaps in candidates (opened from the worker's pre-optimized models) that give the risks and recovery actions of the candidate bundle", async () => {
    const models = await loadShieldModels(bundle, 'onnxruntime');
    const shield = new Shield(models, options);
    const adaptation = new OnlineAdaptation(shield, settings());
    const accepted = waitFor<[{ dir: string }]>(adaptation, 'accepted');
    adaptation.start();
    feed(adaptation, 400);
    const [[report]] = await accepted;
    await shield.decide({ values: [0], stampNs: 0 }, { values: [0], stampNs: 0 }, 0);
    const swapped = shield.models!;
    assert.notEqual(swapped, models);
    assert.equal(swapped.engine, 'onnxruntime');
    const candidate = await loadShieldModels(report.dir, 'onnxruntime');
    const rng = new Rng(4);
    for (let i = 0; i < 50; i++) {
      const s = Float64Array.of(rng.uniformIn(-2, 2));
      const a = Float64Array.of(rng.uniformIn(-1, 1));
      const [r, expected] = [(await swapped.risk(s, a)) as number, (await candidate.risk(s, a)) as number];
      assert.ok(Math.abs(r - expected) < 1e-6, `risk ${r} against the bundle's ${expected}`);
      const [out, want] = [new Float64Array(1), new Float64Array(1)];
      await swapped.recover(s, out);
      await candidate.recover(s, want);
      assert.ok(Math.abs(out[0] - want[0]) < 1e-6, `recovery ${out[0]} against the bundle's ${want[0]}`);
    }
    await candidate.release();
    await adaptation.stop();
  });

  it('waits for new transitions between candidates, keeps only the newest candidate folders and numbers on after earlier ones', async () => {
    const shield = new Shield(await loadShieldModels(bundle, 'typescript'), options);
    const candidateDir = mkdtempSync(join(tmpdir(), 'mesa-candidates-'));
    mkdirSync(join(candidateDir, 'candidate-0007'));
    const adaptation = new OnlineAdaptation(shield, settings({ candidateDir, minNewTransitions: 300, keepCandidates: 2 }));
    const reports: string[] = [];
    adaptation.on('accepted', (r) => reports.push(basename(r.dir)));
    adaptation.on('rejected', (r) => reports.push(basename(r.dir)));
    adaptation.start();
    feed(adaptation, 200);
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(reports, [], 'no candidate from fewer new transitions than min_new_transitions');
    for (let round = 1; round <= 3; round++) {
      feed(adaptation, 300);
      const deadline = Date.now() + 60_000;
      while (reports.length < round && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    }
    await adaptation.stop();
    assert.deepEqual(reports, ['candidate-0008', 'candidate-0009', 'candidate-0010']);
    assert.deepEqual(readdirSync(candidateDir).sort(), ['candidate-0009', 'candidate-0010']);
  });

  it('refuses candidates until the held-out data has enough violations to check recall on', async () => {
    const shield = new Shield(await loadShieldModels(bundle, 'typescript'), options);
    const adaptation = new OnlineAdaptation(shield, settings({ minHeldOutViolations: 10_000 }));
    const rejected = waitFor<[unknown, string]>(adaptation, 'rejected');
    adaptation.start();
    feed(adaptation, 400);
    const [[, reason]] = await rejected;
    assert.match(reason, /held-out violations \(10000 needed to check recall\)/);
    await adaptation.stop();
  });

  it('drops a candidate that fails its checks, with the reason', async () => {
    const shield = new Shield(await loadShieldModels(bundle, 'typescript'), options);
    const adaptation = new OnlineAdaptation(shield, settings({ parityTolerance: -1 }));
    const rejected = waitFor<[unknown, string]>(adaptation, 'rejected');
    adaptation.start();
    feed(adaptation, 400);
    const [[, reason]] = await rejected;
    assert.match(reason, /onnxruntime and tfjs disagree/);
    await adaptation.stop();
  });

  it('restarts a crashed worker with growing backoff while the shield keeps deciding', async () => {
    const models = await loadShieldModels(bundle, 'typescript');
    const shield = new Shield(models, options);
    const adaptation = new OnlineAdaptation(shield, settings({ bundle: join(bundle, 'missing') }), { initialBackoffMs: 50, maxBackoffMs: 200 });
    const restarts = waitFor<[number]>(adaptation, 'restarted', 3);
    const t0 = Date.now();
    adaptation.start();
    await restarts;
    assert.ok(Date.now() - t0 >= 50 + 100, 'the backoff grows between restarts');
    const d = await shield.decide({ values: [0], stampNs: 0 }, { values: [0], stampNs: 0 }, 0);
    assert.equal(shield.models, models, 'the last good models stay');
    assert.notEqual(d.source, 'fallback');
    await adaptation.stop();
  });

  // Last in this file: protection changes the whole test process for good.
  const twoCpus = process.platform === 'linux' && availableParallelism() >= 2 && spawnSync('taskset', ['--version']).status === 0;
  it('with a control CPU, trains on the other CPUs: the worker pins itself before it loads the training code, the control thread keeps its CPU', { skip: !twoCpus && 'needs Linux, 2 CPUs and util-linux taskset' }, async () => {
    const allowed = allowedCpus();
    const controlCpu = allowed[allowed.length - 1];
    const shield = new Shield(await loadShieldModels(bundle, 'typescript'), options);
    const adaptation = new OnlineAdaptation(shield, settings(), { protectControlThread: true, controlCpu });
    after(() => adaptation.stop());
    const accepted = waitFor(adaptation, 'accepted');
    const before = new Set(readdirSync('/proc/self/task'));
    const cpusOf = (tid: string) => /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/self/task/${tid}/status`, 'utf8'))![1];
    const onControlCpu = (tid: string) => cpusOf(tid).split(/[,-]/).includes(String(controlCpu));
    const cpuMsOf = (tid: string) => Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
    // CPU time each new thread had used when first seen off the control CPU (an upper bound of what
    // it ran there at the control thread's priority), watched every event-loop turn.
    const cpuMsWhenPinned = new Map<string, number>();
    let watching = true;
    const watch = () => {
      for (const t of readdirSync('/proc/self/task')) {
        if (before.has(t) || cpuMsWhenPinned.has(t)) continue;
        try {
          if (!onControlCpu(t)) cpuMsWhenPinned.set(t, cpuMsOf(t));
        } catch {
          // The thread ended between the listing and the read.
        }
      }
      if (watching) setImmediate(watch);
    };
    adaptation.start();
    watch();
    feed(adaptation, 400);
    await accepted;
    watching = false;
    const self = readlinkSync('/proc/thread-self').split('/').pop()!;
    // The worker's import of TensorFlow.js and the training code alone takes seconds of CPU.
    for (const [t, ms] of cpuMsWhenPinned) assert.ok(ms < 500, `thread ${t} ran ${ms.toFixed(0)} ms before it left the control CPU`);
    // The threads started since: the worker's (created on this thread, whose CPU it inherited).
    const started = readdirSync('/proc/self/task').filter((t) => !before.has(t));
    assert.ok(started.length >= 1, 'the worker runs in a thread of its own');
    assert.equal(cpusOf(self), String(controlCpu));
    for (const t of started) assert.ok(!cpusOf(t).split(/[,-]/).includes(String(controlCpu)), `thread ${t} (${readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim()}), started with the worker, may run on ${cpusOf(t)}; started: ${started.map((x) => `${x} ${readFileSync(`/proc/self/task/${x}/comm`, 'utf8').trim()} ${cpusOf(x)}`).join('; ')}`);
    assert.deepEqual(adaptation.protection?.pinning, { controlCpu, otherCpus: allowed.filter((c) => c !== controlCpu) });
    await adaptation.stop();
  });
});
