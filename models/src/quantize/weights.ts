// Weight and bias quantization: int8 symmetric per output channel, int32 bias at input×weight scale.
import { roundHalfEven } from './ranges.ts';

export interface QuantizedWeight {
  data: Int8Array;
  /** One scale per channel along `axis` (float32 values). */
  scales: Float32Array;
  axis: number;
}

/**
 * Per-channel symmetric int8: scale_c = max|w_c| / 127 along `axis`, values rounded half to even
 * and clamped to [-127, 127] (the symmetric range TensorRT and ORT's u8s8 kernels expect).
 */
export function quantizeWeightPerChannel(
  w: Float32Array,
  dims: number[],
  axis: number,
): QuantizedWeight {
  const channels = dims[axis] ?? 1;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const absMax = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / inner) % channels;
    absMax[c] = Math.max(absMax[c]!, Math.abs(w[i]!));
  }
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) scales[c] = absMax[c]! > 0 ? absMax[c]! / 127 : 1;
  const data = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / inner) % channels;
    data[i] = Math.max(-127, Math.min(127, roundHalfEven(w[i]! / scales[c]!)));
  }
  return { data, scales, axis };
}

/** Per-tensor symmetric int8 (one scale): used where per-channel would not be fused. */
export function quantizeWeightPerTensor(w: Float32Array): QuantizedWeight {
  const q = quantizeWeightPerChannel(w, [1, w.length], 0);
  return q;
}

export interface QuantizedBias {
  data: Int32Array;
  scales: Float32Array;
}

/** int32 bias with scale_c = input_scale × weight_scale_c and zero point 0 (ORT's QLinearConv form). */
export function quantizeBias(
  b: Float32Array,
  inputScale: number,
  weightScales: Float32Array,
): QuantizedBias {
  const scales = new Float32Array(b.length);
  const data = new Int32Array(b.length);
  for (let c = 0; c < b.length; c++) {
    const ws = weightScales.length === 1 ? weightScales[0]! : weightScales[c]!;
    const s = Math.fround(Math.fround(inputScale) * ws);
    scales[c] = s;
    const q = roundHalfEven(b[c]! / s);
    data[c] = Math.max(-2147483647, Math.min(2147483647, q));
  }
  return { data, scales };
}
