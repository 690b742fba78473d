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
 * Two fixes to tfjs-wasm's matrix products, registered in place of its kernels:
 *  - BatchMatMul is ~10x slower when transposeA/transposeB is set, and every backward pass of a
 *    dense layer sets one of them. Transposing explicitly with the (fast) Transpose kernel and then
 *    calling the plain kernel gives the same numbers at the plain kernel's speed.
 *  - Both BatchMatMul and _FusedMatMul cache an XNNPACK operator, with a packed copy of the right
 *    operand, under that operand's buffer id alone. A reshape keeps the buffer, so multiplying by
 *    a reshaped view of a buffer that was already a right operand in another shape silently reuses
 *    the old operator and returns wrong numbers. Such an operand is copied to a fresh buffer first.
 */
function registerFastWasmMatMul(): void {
  const transpose = tf.getKernel('Transpose', 'wasm');
  const identity = tf.getKernel('Identity', 'wasm');
  if (!transpose || !identity) throw new Error('tfjs wasm backend: Transpose/Identity kernels not registered');
  const rightOperandShapes = new WeakMap<object, string>();
  const fresh = (b: tf.TensorInfo, backend: unknown, temporaries: tf.TensorInfo[]): tf.TensorInfo => {
    const shape = b.shape.join(',');
    const seen = rightOperandShapes.get(b.dataId);
    if (seen === undefined) rightOperandShapes.set(b.dataId, shape);
    if (seen === undefined || seen === shape) return b;
    const copy = identity.kernelFunc({ inputs: { x: b }, attrs: {}, backend: backend as tf.KernelBackend }) as tf.TensorInfo;
    temporaries.push(copy);
    return copy;
  };
  const swapLastTwo = (x: tf.TensorInfo, backend: unknown, temporaries: tf.TensorInfo[]): tf.TensorInfo => {
    const perm = x.shape.map((_, i) => i);
    const r = perm.length;
    [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
    const y = transpose.kernelFunc({ inputs: { x }, attrs: { perm }, backend: backend as tf.KernelBackend }) as tf.TensorInfo;
    temporaries.push(y);
    return y;
  };
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const original = tf.getKernel(name, 'wasm');
    if (!original) throw new Error(`tfjs wasm backend: ${name} kernel not registered`);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      setupFunc: original.setupFunc,
      kernelFunc: ({ inputs, attrs, backend }) => {
        const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
        const temporaries: tf.TensorInfo[] = [];
        const { a: a0, b: b0 } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
        const explicit = name === 'BatchMatMul';
        const a = explicit && transposeA ? swapLastTwo(a0, backend, temporaries) : a0;
        const b = explicit && transposeB ? swapLastTwo(b0, backend, temporaries) : fresh(b0, backend, temporaries);
        const out = original.kernelFunc({
          inputs: { ...inputs, a, b },
          attrs: explicit ? { ...attrs, transposeA: false, transposeB: false } : attrs,
          backend,
        });
        for (const t of temporaries) (backend as tf.KernelBackend).disposeData(t.dataId);
        return out;
      },
    });
  }
}
