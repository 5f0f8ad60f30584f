// ConstTensor → onnx.TensorProto with little-endian raw_data (compact and byte-stable).
import type { ConstTensor, DType } from '../tfjs/tensor.ts';
import { onnx } from './proto.ts';

const DataType = onnx.TensorProto.DataType;

export function onnxDataType(dtype: DType): number {
  switch (dtype) {
    case 'float32':
      return DataType.FLOAT;
    case 'int32':
      return DataType.INT32;
    case 'int64':
      return DataType.INT64;
    case 'bool':
      return DataType.BOOL;
  }
}

function rawBytes(t: ConstTensor): Uint8Array {
  const n = t.data.length;
  if (t.dtype === 'bool') return Uint8Array.from(t.data);
  const width = t.dtype === 'int64' ? 8 : 4;
  const buf = new Uint8Array(n * width);
  const view = new DataView(buf.buffer);
  for (let i = 0; i < n; i++) {
    const v = t.data[i] ?? 0;
    if (t.dtype === 'float32') view.setFloat32(i * 4, v, true);
    else if (t.dtype === 'int32') view.setInt32(i * 4, v, true);
    else view.setBigInt64(i * 8, BigInt(v), true);
  }
  return buf;
}

export function tensorProto(name: string, t: ConstTensor): InstanceType<typeof onnx.TensorProto> {
  return onnx.TensorProto.create({
    name,
    dims: t.shape,
    dataType: onnxDataType(t.dtype),
    rawData: rawBytes(t),
  });
}
