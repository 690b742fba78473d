import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/**
 * A single-sample interpreter for the small op set that model bundles use (Concat, Gemm, Relu,
 * Sigmoid, Tanh, Max, Mul, Add), compiled once into steps over preallocated float64 buffers, so
 * that a forward pass allocates nothing. Graphs with other operators are refused at load time;
 * such bundles run on onnxruntime only.
 */
export class CompiledGraph {
  readonly #inputs: Float64Array[];
  readonly #steps: (() => void)[];
  readonly output: Float64Array;

  constructor(bytes: Uint8Array, inputSizes: Readonly<Record<string, number>>, outputName: string) {
    const model = onnx.ModelProto.decode(bytes);
    const graph = model.graph;
    if (!graph) throw new Error('ONNX model has no graph');
    const values = new Map<string, Float64Array>();
    const constants = new Map<string, { data: Float64Array; dims: number[] }>();
    for (const t of graph.initializer ?? []) constants.set(t.name ?? '', { data: floatData(t), dims: (t.dims ?? []).map(Number) });
    this.#inputs = [];
    for (const [name, size] of Object.entries(inputSizes)) {
      const buffer = new Float64Array(size);
      values.set(name, buffer);
      this.#inputs.push(buffer);
    }
    const get = (name: string): Float64Array => {
      const v = values.get(name) ?? constants.get(name)?.data;
      if (!v) throw new Error(`ONNX graph: tensor "${name}" is used before it is produced`);
      return v;
    };
    this.#steps = [];
    for (const node of graph.node ?? []) {
      const out = node.output?.[0] ?? '';
      const ins = node.input ?? [];
      const attr = (n: string, fallback: number) => {
        const a = (node.attribute ?? []).find((x) => x.name === n);
        return a ? Number(a.i ?? a.f ?? fallback) : fallback;
      };
      switch (node.opType) {
        case 'Concat': {
          const parts = ins.map(get);
          const y = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
          this.#steps.push(() => {
            let o = 0;
            for (const p of parts) {
              y.set(p, o);
              o += p.length;
            }
          });
          values.set(out, y);
          break;
        }
        case 'Gemm': {
          const x = get(ins[0]);
          const w = constants.get(ins[1]);
          if (!w || w.dims.length !== 2) throw new Error(`Gemm "${out}": the weight must be a 2-D initializer`);
          if (attr('transA', 0) !== 0) throw new Error(`Gemm "${out}": transA is not supported`);
          const transB = attr('transB', 0) !== 0;
          const [alpha, beta] = [attr('alpha', 1), attr('beta', 1)];
          const [inputs, outputs] = transB ? [w.dims[1], w.dims[0]] : [w.dims[0], w.dims[1]];
          if (inputs !== x.length) throw new Error(`Gemm "${out}": ${x.length} inputs, weight expects ${inputs}`);
          const bias = ins[2] ? get(ins[2]) : new Float64Array(outputs);
          const y = new Float64Array(outputs);
          const wd = w.data;
          this.#steps.push(() => {
            for (let j = 0; j < outputs; j++) y[j] = beta * bias[bias.length === 1 ? 0 : j];
            for (let i = 0; i < inputs; i++) {
              const xi = alpha * x[i];
              if (xi === 0) continue;
              if (transB) for (let j = 0; j < outputs; j++) y[j] += xi * wd[j * inputs + i];
              else for (let j = 0, row = i * outputs; j < outputs; j++) y[j] += xi * wd[row + j];
            }
          });
          values.set(out, y);
          break;
        }
        case 'Relu':
        case 'Sigmoid':
        case 'Tanh': {
          const x = get(ins[0]);
          const y = new Float64Array(x.length);
          const f = node.opType === 'Relu' ? (v: number) => (v > 0 ? v : 0) : node.opType === 'Sigmoid' ? (v: number) => 1 / (1 + Math.exp(-v)) : Math.tanh;
          this.#steps.push(() => {
            for (let i = 0; i < x.length; i++) y[i] = f(x[i]);
          });
          values.set(out, y);
          break;
        }
        case 'Max':
        case 'Mul':
        case 'Add': {
          const args = ins.map(get);
          const n = Math.max(...args.map((a) => a.length));
          const y = new Float64Array(n);
          const op = node.opType;
          this.#steps.push(() => {
            for (let i = 0; i < n; i++) {
              let acc = args[0][args[0].length === 1 ? 0 : i];
              for (let k = 1; k < args.length; k++) {
                const v = args[k][args[k].length === 1 ? 0 : i];
                acc = op === 'Max' ? Math.max(acc, v) : op === 'Mul' ? acc * v : acc + v;
              }
              y[i] = acc;
            }
          });
          values.set(out, y);
          break;
        }
        default:
          throw new Error(`the TypeScript engine does not support the ONNX operator ${node.opType}; use engine: onnxruntime`);
      }
    }
    this.output = get(outputName);
  }

  /** Copies the inputs in, runs the graph, and returns the (reused) output buffer. */
  run(...inputs: ArrayLike<number>[]): Float64Array {
    inputs.forEach((v, k) => {
      const buffer = this.#inputs[k];
      for (let i = 0; i < buffer.length; i++) buffer[i] = v[i];
    });
    for (const step of this.#steps) step();
    return this.output;
  }
}

function floatData(t: onnxProto.onnx.ITensorProto): Float64Array {
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) throw new Error(`initializer ${t.name}: only float32 is supported`);
  if (t.rawData && t.rawData.length > 0) {
    const raw = t.rawData;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Float64Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, true));
  }
  return Float64Array.from(t.floatData ?? []);
}
