// A tiny float ONNX model built by hand for the quantizer tests: Conv→Relu→Conv→Add.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export interface TinyWeights {
  w1: Float32Array; // [4,2,3,3]
  b1: Float32Array; // [4]
  w2: Float32Array; // [4,4,1,1]
  b2: Float32Array; // [4]
}

/** Fixed, varied weights: channel c of w1 has max |w| = 0.1·(c+1) (a known per-channel scale). */
export function tinyWeights(): TinyWeights {
  const w1 = new Float32Array(4 * 2 * 3 * 3);
  for (let i = 0; i < w1.length; i++) {
    const c = Math.floor(i / 18);
    const k = i % 18;
    w1[i] = (0.1 * (c + 1) * (((k * 7) % 19) - 9)) / 9; // spans ±0.1(c+1)
  }
  const w2 = Float32Array.from({ length: 16 }, (_, i) => ((i * 5) % 11) / 10 - 0.5);
  return {
    w1,
    b1: Float32Array.of(0.05, -0.1, 0.2, 0),
    w2,
    b2: Float32Array.of(0.1, 0, -0.05, 0.3),
  };
}

function tensor(name: string, dims: number[], data: Float32Array): onnxProto.onnx.ITensorProto {
  return {
    name,
    dataType: 1,
    dims,
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  };
}

function valueInfo(name: string, dims: number[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  };
}

const ints = (name: string, v: number[]): onnxProto.onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INTS,
  ints: v,
});

export function tinyModel(w: TinyWeights = tinyWeights()): Uint8Array {
  const graph: onnxProto.onnx.IGraphProto = {
    name: 'tiny',
    input: [valueInfo('x', [1, 2, 8, 8])],
    output: [valueInfo('y', [1, 4, 8, 8])],
    initializer: [
      tensor('w1', [4, 2, 3, 3], w.w1),
      tensor('b1', [4], w.b1),
      tensor('w2', [4, 4, 1, 1], w.w2),
      tensor('b2', [4], w.b2),
    ],
    node: [
      {
        name: 'conv1',
        opType: 'Conv',
        input: ['x', 'w1', 'b1'],
        output: ['c1'],
        attribute: [ints('pads', [1, 1, 1, 1]), ints('kernel_shape', [3, 3])],
      },
      { name: 'relu', opType: 'Relu', input: ['c1'], output: ['r'] },
      {
        name: 'conv2',
        opType: 'Conv',
        input: ['r', 'w2', 'b2'],
        output: ['c2'],
        attribute: [ints('kernel_shape', [1, 1])],
      },
      { name: 'add', opType: 'Add', input: ['c2', 'r'], output: ['y'] },
    ],
  };
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 8,
    producerName: 'pretag-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  };
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish();
}

/** A model with no quantizable op: Softmax → Exp. */
export function noQuantizableModel(): Uint8Array {
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'plain',
      input: [valueInfo('x', [1, 4])],
      output: [valueInfo('y', [1, 4])],
      node: [
        { name: 's', opType: 'Softmax', input: ['x'], output: ['s'] },
        { name: 'e', opType: 'Exp', input: ['s'], output: ['y'] },
      ],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish();
}

/** Deterministic pseudo-random inputs in [-lo, hi] (LCG; no Math.random so runs repeat). */
export function inputs(count: number, seed = 1, lo = -1, hi = 2): Float32Array[] {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: count }, () =>
    Float32Array.from({ length: 128 }, () => lo + (hi - lo) * next()),
  );
}
