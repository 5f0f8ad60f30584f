// What every model adapter provides: default input spec and classes, and a pure decode from the
// model's raw outputs to boxes in network-input pixels.
import type { Detection } from '../../detection/types.ts';
import type { InputSpec } from '../types.ts';

export type TensorData =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | BigInt64Array
  | BigUint64Array;

/** The part of an output tensor a decoder reads (an onnxruntime Tensor satisfies it). */
export interface RawTensor {
  readonly dims: readonly number[];
  readonly data: TensorData;
}

export type RawOutputs = Readonly<Record<string, RawTensor>>;

export interface DecodeOptions {
  /** Class names by the model's class index; an empty name means "not a class" (dropped). */
  classes: readonly string[];
  scoreThreshold: number;
  iouThreshold: number;
  maxDetections: number;
  /** Network input size of this run (boxes are clamped to it). */
  inputWidth: number;
  inputHeight: number;
}

export interface DetectorAdapter {
  readonly name: string;
  readonly description: string;
  readonly defaultInput: InputSpec;
  readonly defaultClasses: readonly string[];
  readonly defaultScoreThreshold: number;
  readonly defaultIouThreshold: number;
  /** Returns detections in network-input pixels; throws with a clear message on unexpected outputs. */
  decode(outputs: RawOutputs, opts: DecodeOptions): Detection[];
}

export function num(data: TensorData, i: number): number {
  const v = data[i];
  return typeof v === 'bigint' ? Number(v) : (v ?? NaN);
}

export function describeOutputs(outputs: RawOutputs): string {
  return Object.entries(outputs)
    .map(([k, t]) => `${k}[${t.dims.join(',')}]`)
    .join(', ');
}

export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

/** The tensor's values as numbers; 64-bit integer tensors are not accepted here. */
export function numbers(t: RawTensor, what: string): ArrayLike<number> {
  if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) {
    throw new Error(`${what}: expected a float tensor, got 64-bit integers`);
  }
  return t.data;
}
