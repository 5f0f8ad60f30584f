// Decodes the weight bytes of a TFJS graph model the way @tensorflow/tfjs-core's io does:
// entries are packed back to back, each optionally quantized (float16, or uint8/uint16 with
// value = q * scale + min; int32 weights are rounded after de-quantizing).
import { float16ToFloat32 } from './float16.ts';
import type { WeightSpec } from './manifest.ts';
import { sizeOf, type ConstTensor } from './tensor.ts';

const STORED_BYTES = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2 } as const;

function storedBytes(spec: WeightSpec): number {
  const stored = spec.quantization?.dtype ?? spec.dtype;
  if (stored === 'string' || stored === 'complex64')
    throw new Error(`weight "${spec.name}": dtype ${stored} is not supported`);
  return sizeOf(spec.shape) * STORED_BYTES[stored];
}

function decodeOne(spec: WeightSpec, bytes: Uint8Array): ConstTensor {
  const n = sizeOf(spec.shape);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = [...spec.shape];
  const q = spec.quantization;
  if (spec.dtype !== 'float32' && spec.dtype !== 'int32' && spec.dtype !== 'bool')
    throw new Error(`weight "${spec.name}": dtype ${spec.dtype} is not supported`);
  if (!q) {
    if (spec.dtype === 'bool') return { dtype: 'bool', shape, data: Uint8Array.from(bytes) };
    const data = spec.dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
    for (let i = 0; i < n; i++)
      data[i] =
        spec.dtype === 'float32' ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true);
    return { dtype: spec.dtype, shape, data };
  }
  if (q.dtype === 'float16') {
    if (spec.dtype !== 'float32')
      throw new Error(
        `weight "${spec.name}": float16 quantization needs float32, not ${spec.dtype}`,
      );
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = float16ToFloat32(view.getUint16(i * 2, true));
    return { dtype: 'float32', shape, data };
  }
  if (q.scale === undefined || q.min === undefined)
    throw new Error(`weight "${spec.name}": ${q.dtype} quantization needs scale and min`);
  const read = (i: number) =>
    q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true);
  if (spec.dtype === 'float32') {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = read(i) * q.scale + q.min;
    return { dtype: 'float32', shape, data };
  }
  if (spec.dtype === 'int32') {
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = Math.round(read(i) * q.scale + q.min);
    return { dtype: 'int32', shape, data };
  }
  throw new Error(
    `weight "${spec.name}": ${q.dtype} quantization of ${spec.dtype} is not supported`,
  );
}

/** Decode one manifest group: `specs` in order over the concatenation of its files' bytes. */
export function decodeWeights(
  specs: readonly WeightSpec[],
  bytes: Uint8Array,
): Map<string, ConstTensor> {
  const out = new Map<string, ConstTensor>();
  let offset = 0;
  for (const spec of specs) {
    const len = storedBytes(spec);
    if (offset + len > bytes.byteLength)
      throw new Error(
        `weight "${spec.name}" needs bytes ${offset}..${offset + len} but the weight files hold ${bytes.byteLength}`,
      );
    out.set(spec.name, decodeOne(spec, bytes.subarray(offset, offset + len)));
    offset += len;
  }
  if (offset !== bytes.byteLength)
    throw new Error(
      `weight files hold ${bytes.byteLength} bytes but the manifest describes ${offset}`,
    );
  return out;
}
