import * as ort from 'onnxruntime-node';
import { CRITIC_IO, RECOVERY_IO, describeOnnxIO, readBundle, type Bundle, type Manifest, type OnnxTensorInfo } from '../../models/format/index.js';
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

/** Reads a bundle (hashes checked), checks its models' inputs and outputs against the manifest, and loads them. */
export async function loadShieldModels(dir: string, engine: Engine = 'onnxruntime'): Promise<ShieldModels> {
  return modelsFromBundle(await readBundle(dir), engine);
}

async function modelsFromBundle(bundle: Bundle, engine: Engine): Promise<ShieldModels> {
  const { manifest } = bundle;
  const obs = manifest.observation.size;
  const act = manifest.action.size;
  checkIO(bundle.dir, 'critic.onnx', describeOnnxIO(bundle.criticOnnx), { [CRITIC_IO.inputs[0]]: obs, [CRITIC_IO.inputs[1]]: act }, CRITIC_IO.output, 1);
  checkIO(bundle.dir, 'recovery.onnx', describeOnnxIO(bundle.recoveryOnnx), { [RECOVERY_IO.input]: obs }, RECOVERY_IO.output, act);
  if (engine === 'typescript') {
    const critic = new CompiledGraph(bundle.criticOnnx, { [CRITIC_IO.inputs[0]]: obs, [CRITIC_IO.inputs[1]]: act }, CRITIC_IO.output);
    const recovery = new CompiledGraph(bundle.recoveryOnnx, { [RECOVERY_IO.input]: obs }, RECOVERY_IO.output);
    return {
      manifest,
      engine,
      risk: (o, a) => critic.run(o, a)[0],
      recover: (o, out) => out.set(recovery.run(o)),
      release: async () => {},
    };
  }
  const [critic, recovery] = await Promise.all([ort.InferenceSession.create(bundle.criticOnnx), ort.InferenceSession.create(bundle.recoveryOnnx)]);
  // Inputs are written into these buffers in place; the tensors wrapping them are reused every call.
  const obsBuffer = new Float32Array(obs);
  const actBuffer = new Float32Array(act);
  const feedsCritic = { [CRITIC_IO.inputs[0]]: new ort.Tensor('float32', obsBuffer, [1, obs]), [CRITIC_IO.inputs[1]]: new ort.Tensor('float32', actBuffer, [1, act]) };
  const feedsRecovery = { [RECOVERY_IO.input]: feedsCritic[CRITIC_IO.inputs[0]] };
  return {
    manifest,
    engine,
    async risk(o, a) {
      obsBuffer.set(o);
      actBuffer.set(a);
      const r = await critic.run(feedsCritic);
      return (r[CRITIC_IO.output].data as Float32Array)[0];
    },
    async recover(o, out) {
      obsBuffer.set(o);
      const r = await recovery.run(feedsRecovery);
      out.set(r[RECOVERY_IO.output].data as Float32Array);
    },
    release: async () => {
      await Promise.all([critic.release(), recovery.release()]);
    },
  };
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
