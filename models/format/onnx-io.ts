import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** One graph input or output. A dimension is a number, a symbolic name (e.g. "batch"), or null when unknown. */
export interface OnnxTensorInfo {
  readonly name: string;
  /** ONNX element type in lower case ("float", "int64", ...), or null for a non-tensor value. */
  readonly elementType: string | null;
  /** null when the model declares no shape. */
  readonly shape: readonly (number | string | null)[] | null;
}

export interface OnnxIO {
  readonly inputs: readonly OnnxTensorInfo[];
  readonly outputs: readonly OnnxTensorInfo[];
}

/**
 * The declared inputs and outputs of an ONNX model, decoded from its protobuf without an inference
 * engine. Initializers that older models also list as graph inputs are left out.
 */
export function describeOnnxIO(bytes: Uint8Array): OnnxIO {
  let model: onnxProto.onnx.IModelProto;
  try {
    // toObject turns 64-bit integers into plain numbers whether or not protobufjs found `long`.
    model = onnx.ModelProto.toObject(onnx.ModelProto.decode(bytes), { longs: Number, oneofs: true }) as onnxProto.onnx.IModelProto;
  } catch (error) {
    throw new Error(`not an ONNX model: ${error instanceof Error ? error.message : String(error)}`);
  }
  const graph = model.graph;
  if (!graph) throw new Error('not an ONNX model: it has no graph');
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  return {
    inputs: (graph.input ?? []).filter((v) => !initializers.has(v.name)).map(tensorInfo),
    outputs: (graph.output ?? []).map(tensorInfo),
  };
}

function tensorInfo(value: onnxProto.onnx.IValueInfoProto): OnnxTensorInfo {
  const tensor = value.type?.tensorType;
  const elementType = tensor ? (onnx.TensorProto.DataType[tensor.elemType ?? 0] ?? 'UNDEFINED').toLowerCase() : null;
  const dims = tensor?.shape?.dim;
  return {
    name: value.name ?? '',
    elementType,
    shape: dims ? dims.map((d) => (d.dimParam ? d.dimParam : typeof d.dimValue === 'number' ? d.dimValue : null)) : null,
  };
}
