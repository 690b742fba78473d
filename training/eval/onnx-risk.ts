import * as ort from 'onnxruntime-node';
import type { BundleModels } from '../../models/format/index.js';
import type { RiskFn } from './critic-eval.js';

/** The risk of a bundle's ONNX critic, evaluated with onnxruntime in batches. */
export async function bundleRisk(bundle: Pick<BundleModels, 'manifest' | 'criticOnnx'>, batchSize = 4096): Promise<{ risk: RiskFn; release: () => Promise<void> }> {
  const session = await ort.InferenceSession.create(bundle.criticOnnx);
  const { observation, action } = bundle.manifest;
  const risk: RiskFn = async (obs, act, size) => {
    const out = new Float32Array(size);
    for (let start = 0; start < size; start += batchSize) {
      const n = Math.min(batchSize, size - start);
      const result = await session.run({
        observation: new ort.Tensor('float32', obs.subarray(start * observation.size, (start + n) * observation.size), [n, observation.size]),
        action: new ort.Tensor('float32', act.subarray(start * action.size, (start + n) * action.size), [n, action.size]),
      });
      out.set(result.risk.data as Float32Array, start);
    }
    return out;
  };
  return { risk, release: () => session.release() };
}
