import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { describeOnnxIO } from '../../../models/format/index.js';
import { box } from '../../../sim/index.js';
import { criticToOnnx, policyToOnnx } from '../../../training/export/index.js';
import { actionScaling } from '../../../training/policies.js';

const { onnx } = onnxProto;

describe('describeOnnxIO', () => {
  it('reports the names, element types and shapes of an exported critic and recovery policy', () => {
    const head = [{ inputs: 5, outputs: 1, weight: new Float32Array(5), bias: new Float32Array(1), activation: 'sigmoid' as const }];
    assert.deepEqual(describeOnnxIO(criticToOnnx([head, head], 3, 2)), {
      inputs: [
        { name: 'observation', elementType: 'float', shape: ['batch', 3] },
        { name: 'action', elementType: 'float', shape: ['batch', 2] },
      ],
      outputs: [{ name: 'risk', elementType: 'float', shape: ['batch', 1] }],
    });
    const body = [{ inputs: 3, outputs: 2, weight: new Float32Array(6), bias: new Float32Array(2), activation: 'tanh' as const }];
    assert.deepEqual(describeOnnxIO(policyToOnnx({ body, scaling: actionScaling(box([-1, 0], [1, 2])) }, 3)), {
      inputs: [{ name: 'observation', elementType: 'float', shape: ['batch', 3] }],
      outputs: [{ name: 'action', elementType: 'float', shape: ['batch', 2] }],
    });
  });

  it('leaves out initializers listed as inputs and reports fixed, symbolic and unknown dimensions', () => {
    const bytes = onnx.ModelProto.encode({
      irVersion: 3,
      opsetImport: [{ version: 9 }],
      graph: {
        node: [{ opType: 'MatMul', input: ['x', 'w'], output: ['y'] }],
        initializer: [{ name: 'w', dims: [4, 1], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [1, 2, 3, 4] }],
        input: [
          { name: 'x', type: { tensorType: { elemType: onnx.TensorProto.DataType.DOUBLE, shape: { dim: [{ dimValue: 1 }, { dimParam: 'n' }, {}] } } } },
          { name: 'w', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } },
        ],
        output: [{ name: 'y', type: { sequenceType: {} } }],
      },
    }).finish();
    assert.deepEqual(describeOnnxIO(bytes), {
      inputs: [{ name: 'x', elementType: 'double', shape: [1, 'n', null] }],
      outputs: [{ name: 'y', elementType: null, shape: null }],
    });
  });

  it('rejects bytes that are not an ONNX model', () => {
    assert.throws(() => describeOnnxIO(new TextEncoder().encode('definitely not protobuf')), /^Error: not an ONNX model: /);
    assert.throws(() => describeOnnxIO(new Uint8Array(0)), /not an ONNX model: it has no graph/);
  });
});
