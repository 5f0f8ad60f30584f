// CenterNet as packaged by @vladmandic/human: the graph already picks peaks and returns
// `detections` [1, K, 6] = x1, y1, x2, y2 (input pixels), score, class (0-based).
import { COCO80_NAMES } from '../../coco/categories.ts';
import type { Detection } from '../../detection/types.ts';
import {
  clamp,
  describeOutputs,
  num,
  type DecodeOptions,
  type DetectorAdapter,
  type RawOutputs,
  type RawTensor,
} from './adapter.ts';

export function findDetectionsOutput(outputs: RawOutputs): RawTensor {
  const entries = Object.entries(outputs);
  const byName = entries.find(([k, t]) => /detections/i.test(k) && t.dims.at(-1) === 6);
  const byShape = entries.find(
    ([, t]) => t.dims.length === 3 && t.dims[0] === 1 && t.dims[2] === 6,
  );
  const hit = byName ?? byShape;
  if (!hit)
    throw new Error(`centernet: no [1,K,6] detections output among: ${describeOutputs(outputs)}`);
  return hit[1];
}

/** Rows of x1, y1, x2, y2, score, class; the graph has done peak picking, so no NMS. */
export function decodeCenternetRows(t: RawTensor, opts: DecodeOptions): Detection[] {
  const rows = t.data.length / 6;
  const out: Detection[] = [];
  for (let r = 0; r < rows && out.length < opts.maxDetections; r++) {
    const score = num(t.data, r * 6 + 4);
    if (!(score >= opts.scoreThreshold)) continue;
    const label = opts.classes[Math.round(num(t.data, r * 6 + 5))];
    if (!label) continue;
    const x1 = clamp(num(t.data, r * 6), 0, opts.inputWidth);
    const y1 = clamp(num(t.data, r * 6 + 1), 0, opts.inputHeight);
    const x2 = clamp(num(t.data, r * 6 + 2), 0, opts.inputWidth);
    const y2 = clamp(num(t.data, r * 6 + 3), 0, opts.inputHeight);
    if (x2 <= x1 || y2 <= y1) continue;
    out.push({ label, score, box: [x1, y1, x2, y2] });
  }
  return out.sort((a, b) => b.score - a.score);
}

export const centernetAdapter: DetectorAdapter = {
  name: 'centernet',
  description: 'CenterNet with in-graph peak picking: NHWC RGB 0..255 input, detections [1,K,6]',
  defaultInput: {
    width: 512,
    height: 512,
    resize: 'stretch',
    padValue: 0,
    channelOrder: 'rgb',
    layout: 'nhwc',
    scale: 1,
    mean: [0, 0, 0],
    std: [1, 1, 1],
  },
  defaultClasses: COCO80_NAMES,
  defaultScoreThreshold: 0.3,
  defaultIouThreshold: 0.5,
  decode(outputs, opts) {
    return decodeCenternetRows(findDetectionsOutput(outputs), opts);
  },
};
