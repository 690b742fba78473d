import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import * as ort from 'onnxruntime-node';
import { CRITIC_IO, RECOVERY_IO, describeOnnxIO, readBundleModels, type BundleModels, type Manifest, type OnnxTensorInfo } from '../../models/format/index.js';
import { CompiledGraph } from './typescript-engine.js';

/** `onnxruntime`: onnxruntime-node sessions (the default). `typescript`: the allocation-free interpreter of the same graphs. */
export type Engine = 'onnxruntime' | 'typescript';

/** A bundle's critic and recovery policy, ready for one observation at a time. */
export interface ShieldModels {
  readonly manifest: Manifest;
  /** `external`: models the caller implements, e.g. an experiment's live TensorFlow.js networks (never loaded by the runtime). */
  readonly engine: Engine | 'external';
  /** Q_risk(s, a) for one (normalized) observation and action. */
  risk(observation: Float64Array, action: Float64Array): number | Promise<number>;
  /** pi_rec(s) written into `out`. */
  recover(observation: Float64Array, out: Float64Array): void | Promise<void>;
  release(): Promise<void>;
}

/**
 * One thread per session: the models are a few hundred thousand multiply-adds, so handing them to
 * onnxruntime's intra-op pool costs more than it saves, and its threads spin on the cores that the
 * control loop and the adaptation worker need.
 */
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' };

/**
 * Reads a bundle (hashes checked), checks its models' inputs and outputs against the manifest, and loads them.
 * Each step (a model's check, a session's creation, its first run) runs in its own event-loop turn,
 * the longest about 0.8 ms: a candidate is loaded on the control thread while it keeps ticking, and
 * the load's last turn, in one piece, held the thread for about 2.5 ms and made 1 kHz ticks late.
 */
export async function loadShieldModels(dir: string, engine: Engine = 'onnxruntime'): Promise<ShieldModels> {
  return openShieldModels(await readBundleModels(dir), engine);
}

/**
 * A model as this process's onnxruntime optimizes it when it opens a session, at graph level
 * 'extended' (operator fusions, nothing tied to the CPU's vector layout). Opening a session on these
 * bytes with `preOptimized` skips the optimizer: about half the time of a session's creation, which
 * is the longest step of a candidate's load on the control thread. The bytes may hold onnxruntime's
 * own fused operators, so only onnxruntime (of the same version) runs them. The result owns its
 * buffer, so it can be transferred to another thread.
 */
export async function preOptimize(model: Uint8Array): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'mesa-shield-optimized-'));
  try {
    const path = join(dir, 'model.onnx');
    const session = await ort.InferenceSession.create(model, { ...SESSION_OPTIONS, graphOptimizationLevel: 'extended', optimizedModelFilePath: path });
    await session.release();
    return new Uint8Array(await readFile(path));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Checks and loads the models of a bundle already read, in the same steps as `loadShieldModels`.
 * `preOptimized`: the bundle's models come from `preOptimize`, and their sessions skip the optimizer.
 */
export async function openShieldModels(bundle: BundleModels, engine: Engine = 'onnxruntime', options: { readonly preOptimized?: boolean } = {}): Promise<ShieldModels> {
  const { manifest } = bundle;
  const preOptimized = options.preOptimized ?? false;
  if (preOptimized && engine !== 'onnxruntime') throw new Error(`pre-optimized models run only on onnxruntime, not on the ${engine} engine`);
  const sessionOptions = preOptimized ? { ...SESSION_OPTIONS, graphOptimizationLevel: 'disabled' as const } : SESSION_OPTIONS;
  const obs = manifest.observation.size;
  const act = manifest.action.size;
  const criticInputs = { [CRITIC_IO.inputs[0]]: obs, [CRITIC_IO.inputs[1]]: act };
  const recoveryInputs = { [RECOVERY_IO.input]: obs };
  checkIO(bundle.dir, 'critic.onnx', describeOnnxIO(bundle.criticOnnx), criticInputs, CRITIC_IO.output, 1);
  await nextTurn();
  checkIO(bundle.dir, 'recovery.onnx', describeOnnxIO(bundle.recoveryOnnx), recoveryInputs, RECOVERY_IO.output, act);
  await nextTurn();
  if (engine === 'typescript') {
    const critic = new CompiledGraph(bundle.criticOnnx, criticInputs, CRITIC_IO.output);
    await nextTurn();
    const recovery = new CompiledGraph(bundle.recoveryOnnx, recoveryInputs, RECOVERY_IO.output);
    return {
      manifest,
      engine,
      risk: (o, a) => critic.run(o, a)[0],
      recover: (o, out) => out.set(recovery.run(o)),
      release: async () => {},
    };
  }
  const critic = await openSession(bundle.criticOnnx, criticInputs, CRITIC_IO.output, 1, sessionOptions);
  let recovery: Session;
  try {
    await nextTurn();
    recovery = await openSession(bundle.recoveryOnnx, recoveryInputs, RECOVERY_IO.output, act, sessionOptions);
  } catch (error) {
    await critic.release();
    throw error;
  }
  // Inputs are written into these buffers in place; the tensors wrapping them are reused every call.
  const obsBuffer = new Float32Array(obs);
  const actBuffer = new Float32Array(act);
  const feedsCritic = { [CRITIC_IO.inputs[0]]: new ort.Tensor('float32', obsBuffer, [1, obs]), [CRITIC_IO.inputs[1]]: new ort.Tensor('float32', actBuffer, [1, act]) };
  const feedsRecovery = { [RECOVERY_IO.input]: feedsCritic[CRITIC_IO.inputs[0]] };
  return {
    manifest,
    engine,
    risk(o, a) {
      obsBuffer.set(o);
      actBuffer.set(a);
      const r = critic.run(feedsCritic);
      return r instanceof Promise ? r.then((v) => v[0]) : r[0];
    },
    recover(o, out) {
      obsBuffer.set(o);
      const r = recovery.run(feedsRecovery);
      if (r instanceof Promise) return r.then((v) => void out.set(v));
      out.set(r);
    },
    release: async () => {
      await Promise.all([critic.release(), recovery.release()]);
    },
  };
}

type Output = Float32Array;
type Feeds = Record<string, ort.Tensor>;

/** One model's session: synchronous where the native session could be opened, else the public asynchronous API. */
interface Session {
  run(feeds: Feeds): Output | Promise<Output>;
  release(): Promise<void>;
}

/** onnxruntime-node's native session class, as its binding module exports it (not the package's public API). */
interface NativeSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: ort.InferenceSession.SessionOptions): void;
  run(feeds: Feeds, fetches: Record<string, null>, options: object): Record<string, ort.Tensor | undefined>;
  dispose(): void;
}

/** Run options of every native call (none), made once: the call is on the control path. */
const RUN_OPTIONS = {};

const nativeSessionClass = ((): (new () => NativeSession) | null => {
  try {
    const { binding, initOrt } = createRequire(import.meta.url)('onnxruntime-node/dist/binding.js');
    initOrt();
    return typeof binding?.InferenceSession === 'function' ? binding.InferenceSession : null;
  } catch {
    return null;
  }
})();

/**
 * onnxruntime-node's public `run` defers every call to a `setImmediate`, so each inference waits
 * for an event-loop turn in which pending I/O callbacks (broker messages, log writes) run first: a
 * latency tail a 1 kHz gate cannot afford. The native session behind it runs synchronously; it is
 * used when the installed package exposes it as expected, checked on a probe run of zeros.
 */
async function openSession(model: Uint8Array, inputs: Record<string, number>, output: string, outputSize: number, options: ort.InferenceSession.SessionOptions): Promise<Session> {
  const native = await nativeSession(model, inputs, output, outputSize, options);
  if (native) return native;
  const session = await ort.InferenceSession.create(model, options);
  return {
    run: async (feeds) => (await session.run(feeds))[output].data as Float32Array,
    release: () => session.release(),
  };
}

async function nativeSession(model: Uint8Array, inputs: Record<string, number>, output: string, outputSize: number, options: ort.InferenceSession.SessionOptions): Promise<Session | null> {
  if (!nativeSessionClass) return null;
  let session: NativeSession | null = null;
  try {
    session = new nativeSessionClass();
    session.loadModel(model.buffer as ArrayBuffer, model.byteOffset, model.byteLength, options);
    // Loading takes about 0.8 ms and the first run about 0.2 ms: each gets its own turn (see loadShieldModels).
    await nextTurn();
    const fetches = { [output]: null };
    const outputOf = (r: Record<string, ort.Tensor | undefined>): Output => {
      const data = r[output]?.data;
      if (!(data instanceof Float32Array) || data.length !== outputSize) throw new Error(`native session returned no ${outputSize}-value "${output}"`);
      return data;
    };
    outputOf(session.run(Object.fromEntries(Object.entries(inputs).map(([name, size]) => [name, new ort.Tensor('float32', new Float32Array(size), [1, size])])), fetches, RUN_OPTIONS));
    const s = session;
    return { run: (feeds) => outputOf(s.run(feeds, fetches, RUN_OPTIONS)), release: async () => s.dispose() };
  } catch {
    disposeQuietly(session);
    return null;
  }
}

/** Frees a native session that failed its probe; a failure to free it must not stop the fallback. */
function disposeQuietly(session: NativeSession | null): void {
  try {
    session?.dispose();
  } catch {
    // The public API's session is used instead; this one is dropped either way.
  }
}

function checkIO(dir: string, file: string, io: { inputs: readonly OnnxTensorInfo[]; outputs: readonly OnnxTensorInfo[] }, inputs: Record<string, number>, output: string, outputSize: number): void {
  const fail = (why: string): never => {
    throw new Error(`model bundle ${dir}: ${file} ${why}`);
  };
  const lastDim = (t: OnnxTensorInfo) => (t.shape && t.shape.length === 2 ? t.shape[1] : null);
  for (const [name, size] of Object.entries(inputs)) {
    const t = io.inputs.find((i) => i.name === name);
    if (!t) fail(`has no input "${name}" (inputs: ${io.inputs.map((i) => i.name).join(', ') || 'none'})`);
    const d = lastDim(t!);
    if (typeof d === 'number' && d !== size) fail(`input "${name}" has size ${d}, the manifest says ${size}`);
  }
  const out = io.outputs.find((o) => o.name === output);
  if (!out) fail(`has no output "${output}" (outputs: ${io.outputs.map((o) => o.name).join(', ') || 'none'})`);
  const d = lastDim(out!);
  if (typeof d === 'number' && d !== outputSize) fail(`output "${output}" has size ${d}, expected ${outputSize}`);
}
