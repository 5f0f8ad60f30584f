// A constant tensor held in memory while converting. int64 values are kept in an Int32Array:
// TFJS itself stores int64 weights as int32, so nothing wider ever reaches us.
export type DType = 'float32' | 'int32' | 'int64' | 'bool';

export interface ConstTensor {
  dtype: DType;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function makeTensor(dtype: DType, shape: number[], values: ArrayLike<number>): ConstTensor {
  const n = sizeOf(shape);
  if (values.length !== n)
    throw new Error(`tensor of shape [${shape.join(',')}] needs ${n} values, got ${values.length}`);
  const data =
    dtype === 'float32'
      ? Float32Array.from(values)
      : dtype === 'bool'
        ? Uint8Array.from(values)
        : Int32Array.from(values);
  return { dtype, shape: [...shape], data };
}

/** Values as plain numbers (for small tensors used as attributes: axes, perms, sizes). */
export function toNumbers(t: ConstTensor): number[] {
  return Array.from(t.data);
}

/** TF DataType names (DT_FLOAT) and manifest names (float32) to ours. */
export function dtypeFromTf(name: string): DType {
  switch (name) {
    case 'DT_FLOAT':
    case 'float32':
      return 'float32';
    case 'DT_INT32':
    case 'int32':
      return 'int32';
    case 'DT_INT64':
    case 'int64':
      return 'int64';
    case 'DT_BOOL':
    case 'bool':
      return 'bool';
    default:
      throw new Error(`unsupported tensor dtype ${name}`);
  }
}
