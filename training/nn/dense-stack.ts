/** Activation applied after a dense layer. */
export type Activation = 'relu' | 'sigmoid' | 'tanh' | 'linear';

/**
 * A network folded into plain dense layers: what any architecture becomes at export time, and
 * what the ONNX writer and the plain-TypeScript forward pass understand.
 */
export interface DenseLayer {
  readonly inputs: number;
  readonly outputs: number;
  /** Row-major `inputs x outputs`: y = x W + b. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly activation: Activation;
}

export type DenseStack = readonly DenseLayer[];

/** Forward pass of a dense stack for one input vector, in plain TypeScript (float64 accumulation). */
export function denseForward(stack: DenseStack, x: ArrayLike<number>): Float64Array {
  let h: ArrayLike<number> = x;
  for (const layer of stack) {
    const y = new Float64Array(layer.outputs);
    for (let j = 0; j < layer.outputs; j++) y[j] = layer.bias[j];
    for (let i = 0; i < layer.inputs; i++) {
      const xi = h[i];
      if (xi === 0) continue;
      const row = i * layer.outputs;
      for (let j = 0; j < layer.outputs; j++) y[j] += xi * layer.weight[row + j];
    }
    for (let j = 0; j < layer.outputs; j++) y[j] = activate(layer.activation, y[j]);
    h = y;
  }
  return Float64Array.from(h);
}

function activate(kind: Activation, v: number): number {
  switch (kind) {
    case 'relu':
      return v > 0 ? v : 0;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'tanh':
      return Math.tanh(v);
    case 'linear':
      return v;
  }
}
