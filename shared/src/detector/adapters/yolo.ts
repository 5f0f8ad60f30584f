// Ultralytics-style YOLO (v8 and later): output [1, 4+C, N] with cx, cy, w, h then class
// scores per anchor (no objectness); [1, N, 4+C] is accepted too.
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
} from './adapter.ts';

export interface YoloGrid {
  values: ArrayLike<number>;
  anchors: number;
  /** True when laid out [4+C, N] (attribute-major), false for [N, 4+C]. */
  attributeMajor: boolean;
}

export function findYoloOutput(outputs: RawOutputs, numClasses: number): YoloGrid {
  const rows = 4 + numClasses;
  for (const t of Object.values(outputs)) {
    const [b, a, c] = t.dims;
    if (t.dims.length !== 3 || b !== 1 || a === undefined || c === undefined) continue;
    if (a === rows) return { values: numbers(t, 'yolo'), anchors: c, attributeMajor: true };
    if (c === rows) return { values: numbers(t, 'yolo'), anchors: a, attributeMajor: false };
  }
  throw new Error(
    `yolo: expected an output [1,${rows},N] for ${numClasses} classes; got: ${describeOutputs(outputs)}`,
  );
}

/** Best class per anchor above the threshold, centre/size to corners, then class-aware NMS. */
export function decodeYoloGrid(g: YoloGrid, opts: DecodeOptions): Detection[] {
  const nc = opts.classes.length;
  const at = (anchor: number, attr: number) =>
    g.values[g.attributeMajor ? attr * g.anchors + anchor : anchor * (4 + nc) + attr] ?? 0;
  const candidates: Detection[] = [];
  for (let j = 0; j < g.anchors; j++) {
    let best = -1;
    let score = opts.scoreThreshold;
    for (let c = 0; c < nc; c++) {
      const s = at(j, 4 + c);
      if (s >= score) {
        score = s;
        best = c;
      }
    }
    const label = opts.classes[best];
    if (best < 0 || !label) continue;
    const cx = at(j, 0);
    const cy = at(j, 1);
    const w = at(j, 2);
    const h = at(j, 3);
    candidates.push({
      label,
      score,
      box: [
        clamp(cx - w / 2, 0, opts.inputWidth),
        clamp(cy - h / 2, 0, opts.inputHeight),
        clamp(cx + w / 2, 0, opts.inputWidth),
        clamp(cy + h / 2, 0, opts.inputHeight),
      ],
    });
  }
  return nms(candidates, { iouThreshold: opts.iouThreshold, maxDetections: opts.maxDetections });
}

export const yoloAdapter: DetectorAdapter = {
  name: 'yolo',
  description:
    'Ultralytics-style YOLO: letterboxed RGB 0..1 input, output [1,4+C,N] (cx,cy,w,h,class scores)',
  defaultInput: {
    width: 640,
    height: 640,
    resize: 'letterbox',
    padValue: 114,
    channelOrder: 'rgb',
    layout: 'nchw',
    scale: 1 / 255,
    mean: [0, 0, 0],
    std: [1, 1, 1],
  },
  defaultClasses: COCO80_NAMES,
  defaultScoreThreshold: 0.25,
  defaultIouThreshold: 0.45,
  decode(outputs, opts) {
    return decodeYoloGrid(findYoloOutput(outputs, opts.classes.length), opts);
  },
};
