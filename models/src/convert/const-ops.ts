// Small tensor helpers used both by constant folding and by handlers that pre-compute weights.
import { makeTensor, sizeOf, type ConstTensor, type DType } from '../tfjs/tensor.ts';

export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = (s[i + 1] ?? 1) * (shape[i + 1] ?? 1);
  return s;
}

export function transposeTensor(t: ConstTensor, perm: readonly number[]): ConstTensor {
  const outShape = perm.map((p) => t.shape[p] ?? 1);
  const inStrides = strides(t.shape);
  const n = sizeOf(outShape);
  const out = new Array<number>(n);
  const idx = new Array<number>(outShape.length).fill(0);
  for (let o = 0; o < n; o++) {
    let src = 0;
    for (let d = 0; d < perm.length; d++) src += (idx[d] ?? 0) * (inStrides[perm[d] ?? 0] ?? 0);
    out[o] = t.data[src] ?? 0;
    for (let d = outShape.length - 1; d >= 0; d--) {
      idx[d] = (idx[d] ?? 0) + 1;
      if ((idx[d] ?? 0) < (outShape[d] ?? 1)) break;
      idx[d] = 0;
    }
  }
  return makeTensor(t.dtype, outShape, out);
}

export function reshapeTensor(t: ConstTensor, shape: readonly number[]): ConstTensor {
  const known = shape.filter((d) => d >= 0).reduce((a, b) => a * b, 1);
  const resolved = shape.map((d) => (d < 0 ? t.data.length / known : d));
  return makeTensor(t.dtype, resolved, t.data);
}

export function castTensor(t: ConstTensor, dtype: DType): ConstTensor {
  const values = Array.from(t.data, (v) =>
    dtype === 'bool' ? (v ? 1 : 0) : dtype === 'float32' ? v : Math.trunc(v),
  );
  return makeTensor(dtype, t.shape, values);
}

/** Element-wise binary op with NumPy/TF broadcasting. */
export function broadcastBinary(
  a: ConstTensor,
  b: ConstTensor,
  dtype: DType,
  fn: (x: number, y: number) => number,
): ConstTensor {
  const rank = Math.max(a.shape.length, b.shape.length);
  const pad = (s: readonly number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const sa = pad(a.shape);
  const sb = pad(b.shape);
  const out = sa.map((d, i) => {
    const e = sb[i] ?? 1;
    if (d !== e && d !== 1 && e !== 1)
      throw new Error(`shapes [${a.shape.join(',')}] and [${b.shape.join(',')}] do not broadcast`);
    return d === 1 ? e : d;
  });
  const ta = strides(sa).map((s, i) => ((sa[i] ?? 1) === 1 ? 0 : s));
  const tb = strides(sb).map((s, i) => ((sb[i] ?? 1) === 1 ? 0 : s));
  const n = sizeOf(out);
  const values = new Array<number>(n);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < n; o++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      ia += (idx[d] ?? 0) * (ta[d] ?? 0);
      ib += (idx[d] ?? 0) * (tb[d] ?? 0);
    }
    values[o] = fn(a.data[ia] ?? 0, b.data[ib] ?? 0);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = (idx[d] ?? 0) + 1;
      if ((idx[d] ?? 0) < (out[d] ?? 1)) break;
      idx[d] = 0;
    }
  }
  return makeTensor(dtype, out, values);
}
