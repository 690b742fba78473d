import * as tf from '@tensorflow/tfjs';

export type TrainingBackend = 'tensorflow' | 'wasm';

let selected: Promise<TrainingBackend> | undefined;

/**
 * Picks the TensorFlow.js backend once per process: native TensorFlow when the optional
 * `@tensorflow/tfjs-node` is installed, otherwise WebAssembly (bundled, single-threaded under Node).
 */
export function initTrainingBackend(): Promise<TrainingBackend> {
  selected ??= select();
  return selected;
}

async function select(): Promise<TrainingBackend> {
  try {
    // A package name in a variable keeps tsc from requiring the optional module's types.
    const nativeModule = '@tensorflow/tfjs-node';
    await import(nativeModule);
    if (await tf.setBackend('tensorflow')) return 'tensorflow';
  } catch {
    // Not installed (the usual case without internet at install time): fall through to wasm.
  }
  await import('@tensorflow/tfjs-backend-wasm');
  registerFastWasmMatMul();
  if (!(await tf.setBackend('wasm'))) throw new Error('could not initialise the TensorFlow.js wasm backend');
  await tf.ready();
  return 'wasm';
}

/**
 * tfjs-wasm's BatchMatMul is ~10x slower when transposeA/transposeB is set, and every backward
 * pass of a dense layer sets one of them. Transposing explicitly with the (fast) Transpose kernel
 * and then calling the plain kernel gives the same numbers at the plain kernel's speed.
 */
function registerFastWasmMatMul(): void {
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) throw new Error('tfjs wasm backend: BatchMatMul/Transpose kernels not registered');
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const temporaries: tf.TensorInfo[] = [];
      const swapLastTwo = (x: tf.TensorInfo): tf.TensorInfo => {
        const perm = x.shape.map((_, i) => i);
        const r = perm.length;
        [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
        const y = transpose.kernelFunc({ inputs: { x }, attrs: { perm }, backend }) as tf.TensorInfo;
        temporaries.push(y);
        return y;
      };
      const { a: a0, b: b0 } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const a = transposeA ? swapLastTwo(a0) : a0;
      const b = transposeB ? swapLastTwo(b0) : b0;
      const out = original.kernelFunc({ inputs: { a, b }, attrs: { ...attrs, transposeA: false, transposeB: false }, backend });
      for (const t of temporaries) (backend as tf.KernelBackend).disposeData(t.dataId);
      return out;
    },
  });
}
