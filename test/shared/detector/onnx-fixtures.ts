// Tiny ONNX graphs built in the test, so adapters and sessions run through real ONNX Runtime
// without a trained model: each output is a hand-written constant (plus 0 × sum of the input,
// so the input stays part of the graph).
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = 1;

export interface ConstOutput {
  name: string;
  dims: number[];
  values: number[];
}

/** Input dims may be strings (dynamic axes). */
export function constantOutputModel(
  input: { name: string; dims: (number | string)[] },
  outputs: ConstOutput[],
): Uint8Array {
  const shape = (dims: (number | string)[]) => ({
    dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
  });
  const valueInfo = (name: string, dims: (number | string)[]) => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: shape(dims) } },
  });
  const tensor = (name: string, dims: number[], values: number[]) => ({
    name,
    dims,
    dataType: FLOAT,
    floatData: values,
  });
  const nodes = [
    {
      opType: 'ReduceSum',
      input: [input.name],
      output: ['sum'],
      attribute: [{ name: 'keepdims', type: 2, i: 0 }],
    },
    { opType: 'Mul', input: ['sum', 'zero'], output: ['nothing'] },
    ...outputs.map((o) => ({
      opType: 'Add',
      input: [`${o.name}_const`, 'nothing'],
      output: [o.name],
    })),
  ];
  const model = onnx.ModelProto.fromObject({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'pretag-test',
    graph: {
      name: 'constant-outputs',
      node: nodes,
      initializer: [
        tensor('zero', [], [0]),
        ...outputs.map((o) => tensor(`${o.name}_const`, o.dims, o.values)),
      ],
      input: [valueInfo(input.name, input.dims)],
      output: outputs.map((o) => valueInfo(o.name, o.dims)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
