// NanoDet (GFL head): per-level class score maps [1,N,C] and box distribution maps [1,N,4·(R+1)].
import { COCO80_NAMES } from '../../coco/categories.ts';
import type { Detection } from '../../detection/types.ts';
import { nms } from '../../detection/nms.ts';
import {
  clamp,
  describeOutputs,
  numbers,
  type DecodeOptions,
  type DetectorAdapter,
  type RawOutputs,
  type RawTensor,
} from './adapter.ts';

export interface NanodetLevel {
  stride: number;
  /** Cells per row of this level's grid. */
  gridWidth: number;
  /** [N, C] sigmoid class scores, row-major. */
  scores: ArrayLike<number>;
  /** [N, 4·(R+1)] distance distributions for left, top, right, bottom. */
  boxes: ArrayLike<number>;
}

/**
 * GFL decode: the cell centre is ((col + 0.5)·stride, (row + 0.5)·stride); each side's distance is
 * the softmax-expected bin index × stride. Every class above the threshold makes a candidate;
 * class-aware NMS follows.
 */
export function decodeNanodetLevels(
  levels: readonly NanodetLevel[],
  numClasses: number,
  opts: DecodeOptions,
): Detection[] {
  const candidates: Detection[] = [];
  for (const lvl of levels) {
    const n = lvl.scores.length / numClasses;
    const bins = lvl.boxes.length / n / 4;
    for (let i = 0; i < n; i++) {
      let box: [number, number, number, number] | undefined;
      for (let c = 0; c < numClasses; c++) {
        const score = lvl.scores[i * numClasses + c] ?? 0;
        if (!(score >= opts.scoreThreshold)) continue; // also drops NaN
        const label = opts.classes[c];
        if (!label) continue;
        box ??= cellBox(lvl, i, bins, opts);
        candidates.push({ label, score, box: [...box] });
      }
    }
  }
  return nms(candidates, { iouThreshold: opts.iouThreshold, maxDetections: opts.maxDetections });
}

function cellBox(
  lvl: NanodetLevel,
  i: number,
  bins: number,
  opts: DecodeOptions,
): [number, number, number, number] {
  const cx = ((i % lvl.gridWidth) + 0.5) * lvl.stride;
  const cy = (Math.floor(i / lvl.gridWidth) + 0.5) * lvl.stride;
  const d = [0, 0, 0, 0].map(
    (_, side) => expectedBin(lvl.boxes, (i * 4 + side) * bins, bins) * lvl.stride,
  );
  return [
    clamp(cx - (d[0] ?? 0), 0, opts.inputWidth),
    clamp(cy - (d[1] ?? 0), 0, opts.inputHeight),
    clamp(cx + (d[2] ?? 0), 0, opts.inputWidth),
    clamp(cy + (d[3] ?? 0), 0, opts.inputHeight),
  ];
}

/** Σ k·softmax(logits)_k over one side's bins (numerically stable). */
export function expectedBin(logits: ArrayLike<number>, offset: number, bins: number): number {
  let max = -Infinity;
  for (let k = 0; k < bins; k++) max = Math.max(max, logits[offset + k] ?? -Infinity);
  let sum = 0;
  let weighted = 0;
  for (let k = 0; k < bins; k++) {
    const e = Math.exp((logits[offset + k] ?? -Infinity) - max);
    sum += e;
    weighted += k * e;
  }
  return weighted / sum;
}

/** The stride whose grid over the input has exactly n cells. */
export function strideForCells(
  n: number,
  inputWidth: number,
  inputHeight: number,
): number | undefined {
  for (const s of [8, 16, 32, 64, 128]) {
    if (Math.ceil(inputWidth / s) * Math.ceil(inputHeight / s) === n) return s;
  }
  return undefined;
}

/** Pair each score map with the box map of the same cell count, and find its stride. */
export function nanodetLevels(
  outputs: RawOutputs,
  numClasses: number,
  inputWidth: number,
  inputHeight: number,
): NanodetLevel[] {
  const scoreMaps = new Map<number, RawTensor>();
  const boxMaps = new Map<number, RawTensor>();
  for (const t of Object.values(outputs)) {
    const [b, n, ch] = t.dims;
    if (t.dims.length !== 3 || b !== 1 || n === undefined || ch === undefined) continue;
    if (ch === numClasses) scoreMaps.set(n, t);
    else if (ch % 4 === 0) boxMaps.set(n, t);
  }
  const levels: NanodetLevel[] = [];
  for (const [n, scores] of scoreMaps) {
    const boxes = boxMaps.get(n);
    const stride = strideForCells(n, inputWidth, inputHeight);
    if (!boxes || stride === undefined) {
      throw new Error(
        `nanodet: score map with ${n} cells has no matching box map or stride; outputs: ${describeOutputs(outputs)}`,
      );
    }
    levels.push({
      stride,
      gridWidth: Math.ceil(inputWidth / stride),
      scores: numbers(scores, 'nanodet scores'),
      boxes: numbers(boxes, 'nanodet boxes'),
    });
  }
  if (levels.length === 0) {
    throw new Error(
      `nanodet: no [1,N,${numClasses}] score maps among outputs: ${describeOutputs(outputs)}`,
    );
  }
  return levels.sort((a, b) => b.stride - a.stride);
}

export const nanodetAdapter: DetectorAdapter = {
  name: 'nanodet',
  description:
    'NanoDet GFL head: BGR mean/std input, per-level score and distance-distribution maps',
  defaultInput: {
    width: 416,
    height: 416,
    resize: 'stretch',
    padValue: 0,
    channelOrder: 'bgr',
    layout: 'nchw',
    scale: 1,
    mean: [103.53, 116.28, 123.675],
    std: [57.375, 57.12, 58.395],
  },
  defaultClasses: COCO80_NAMES,
  defaultScoreThreshold: 0.35,
  defaultIouThreshold: 0.6,
  decode(outputs, opts) {
    const levels = nanodetLevels(outputs, opts.classes.length, opts.inputWidth, opts.inputHeight);
    return decodeNanodetLevels(levels, opts.classes.length, opts);
  },
};
