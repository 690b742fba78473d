import * as ort from 'onnxruntime-node';

/** Runs a model once with float32 inputs of shape [rows, cols]; returns its outputs' values by name. */
export async function runOnnx(
  bytes: Uint8Array,
  inputs: Record<string, { values: Float32Array; cols: number }>,
): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, { values, cols }] of Object.entries(inputs)) feeds[name] = new ort.Tensor('float32', values, [values.length / cols, cols]);
    const results = await session.run(feeds);
    return Object.fromEntries(Object.entries(results).map(([name, t]) => [name, { data: t.data as Float32Array, dims: t.dims }]));
  } finally {
    await session.release();
  }
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** `n` rows of `cols` values uniform in [low, high). */
export function uniformRows(rng: { uniformIn(lo: number, hi: number): number }, n: number, cols: number, low: number, high: number): Float32Array {
  return Float32Array.from({ length: n * cols }, () => rng.uniformIn(low, high));
}
