import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import type { DenseStack } from '../nn/dense-stack.js';

const { onnx } = onnxProto;

/**
 * Opset 13 has every operator used here in its current form; IR version 8 is what onnx-proto's
 * schema (ONNX 1.10) describes, and onnxruntime loads IR versions 3 and up.
 */
const OPSET = 13;
const IR_VERSION = 8;
export const BATCH_DIM = 'batch';

const ACTIVATION_OPS = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' } as const;

/** A float32 graph under construction: nodes and initializers in topological order. */
export class GraphBuilder {
  readonly #nodes: OnnxTypes.INodeProto[] = [];
  readonly #initializers: OnnxTypes.ITensorProto[] = [];

  /** A float32 constant; returns its name. */
  constant(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    this.#initializers.push(floatTensor(name, dims, values));
    return name;
  }

  node(opType: string, inputs: readonly string[], output: string, attributes: OnnxTypes.IAttributeProto[] = []): string {
    this.#nodes.push({ opType, name: output, input: [...inputs], output: [output], attribute: attributes });
    return output;
  }

  /** `x` through every layer as Gemm (kernel [in, out] as stored) plus activation; the last tensor is named `output`. */
  denseStack(prefix: string, stack: DenseStack, x: string, output: string): string {
    let h = x;
    stack.forEach((layer, l) => {
      const last = l === stack.length - 1;
      const name = `${prefix}/layer${l}`;
      const w = this.constant(`${name}/weight`, [layer.inputs, layer.outputs], layer.weight);
      const b = this.constant(`${name}/bias`, [layer.outputs], layer.bias);
      const linear = last && layer.activation === 'linear' ? output : `${name}/linear`;
      h = this.node('Gemm', [h, w, b], linear);
      if (layer.activation !== 'linear') h = this.node(ACTIVATION_OPS[layer.activation], [h], last ? output : `${name}/${layer.activation}`);
    });
    return h;
  }

  /** The serialised model with these float32 inputs and outputs (dims: a number, or a symbolic name). */
  encode(name: string, inputs: readonly TensorSpec[], outputs: readonly TensorSpec[], docString: string): Uint8Array {
    const model: OnnxTypes.IModelProto = {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'mesa-shield',
      docString,
      graph: {
        name,
        node: this.#nodes,
        initializer: this.#initializers,
        input: inputs.map(valueInfo),
        output: outputs.map(valueInfo),
      },
    };
    return onnx.ModelProto.encode(model).finish();
  }
}

export interface TensorSpec {
  readonly name: string;
  readonly dims: readonly (number | string)[];
}

export function intAttribute(name: string, value: number): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

function valueInfo({ name, dims }: TensorSpec): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** ONNX stores raw tensor data little-endian whatever the host's byte order. */
function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): OnnxTypes.ITensorProto {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return { name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw };
}
