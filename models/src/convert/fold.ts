// Constant folding: nodes whose inputs are all constants are evaluated here and never reach
// the ONNX graph (onnx-tf leaves shape arithmetic such as SparseToDense behind).
import { attrInts, attrType } from '../tfjs/attrs.ts';
import { dtypeFromTf, makeTensor, sizeOf, toNumbers } from '../tfjs/tensor.ts';
import { broadcastBinary, castTensor, reshapeTensor, strides } from './const-ops.ts';
import { opError, type ConstFolder } from './context.ts';

function binary(fn: (x: number, y: number) => number): ConstFolder {
  return (node, [a, b]) => {
    if (!a || !b) throw opError(node, 'needs two inputs');
    const isInt = a.dtype !== 'float32';
    const g = isInt ? (x: number, y: number) => Math.trunc(fn(x, y)) : fn;
    return [broadcastBinary(a, b, a.dtype, g)];
  };
}

const sparseToDense: ConstFolder = (node, [indices, outShape, values, fill]) => {
  if (!indices || !outShape || !values || !fill) throw opError(node, 'needs four inputs');
  const shape = toNumbers(outShape);
  const rank = shape.length;
  const out = new Array<number>(sizeOf(shape)).fill(fill.data[0] ?? 0);
  const count = indices.shape.length === 0 ? 1 : (indices.shape[0] ?? 0);
  const st = strides(shape);
  for (let k = 0; k < count; k++) {
    let flat = 0;
    for (let d = 0; d < rank; d++) {
      const at = indices.shape.length === 2 ? k * rank + d : k;
      const i = indices.data[at] ?? 0;
      if (i < 0 || i >= (shape[d] ?? 0)) throw opError(node, `index ${i} out of range`);
      flat += i * (st[d] ?? 0);
    }
    out[flat] = values.data.length === 1 ? (values.data[0] ?? 0) : (values.data[k] ?? 0);
  }
  return [makeTensor(values.dtype, shape, out)];
};

export const FOLDERS: Readonly<Record<string, ConstFolder>> = {
  Identity: (_n, [x]) => (x ? [x] : []),
  Add: binary((x, y) => x + y),
  AddV2: binary((x, y) => x + y),
  Sub: binary((x, y) => x - y),
  Mul: binary((x, y) => x * y),
  SparseToDense: sparseToDense,
  Cast: (node, [x]) => {
    const to = attrType(node, 'DstT');
    if (!x || !to) throw opError(node, 'needs an input and DstT');
    return [castTensor(x, dtypeFromTf(to))];
  },
  Reshape: (node, [x, shape]) => {
    if (!x || !shape) throw opError(node, 'needs two inputs');
    return [reshapeTensor(x, toNumbers(shape))];
  },
  ExpandDims: (node, [x, axis]) => {
    if (!x || !axis) throw opError(node, 'needs two inputs');
    const a = toNumbers(axis)[0] ?? 0;
    const shape = [...x.shape];
    shape.splice(a < 0 ? shape.length + 1 + a : a, 0, 1);
    return [{ ...x, shape }];
  },
  Shape: (_n, [x]) => (x ? [makeTensor('int32', [x.shape.length], x.shape)] : []),
  Squeeze: (node, [x]) => {
    if (!x) throw opError(node, 'needs an input');
    const dims = attrInts(node, 'squeeze_dims', []).map((d) => (d < 0 ? x.shape.length + d : d));
    const shape = x.shape.filter((s, i) => (dims.length ? !dims.includes(i) : s !== 1));
    return [{ ...x, shape }];
  },
};

export function foldable(op: string): boolean {
  return op in FOLDERS;
}
