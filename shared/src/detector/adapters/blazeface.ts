// MediaPipe BlazeFace, "back camera" model: 256×256 NHWC RGB in −1..1, one score
// logit and 16 regressors (box cx, cy, w, h, then 6 keypoints) per anchor. Anchors come from
// MediaPipe's SsdAnchorsCalculator settings for this model: strides 16, 32, 32, 32 with 2 anchors
// per layer and the stride-32 layers merged, fixed anchor size, offset 0.5. At 256 input that is
// 16·16·2 + 8·8·6 = 896 anchors.
import type { BoxXYXY, Detection } from '../../detection/types.ts';
import { iou } from '../../detection/iou.ts';
import {
  clamp,
  describeOutputs,
  numbers,
  type DecodeOptions,
  type DetectorAdapter,
  type RawOutputs,
  type RawTensor,
} from './adapter.ts';

/** One anchor grid: cells of `stride` input pixels, `perCell` anchors in each. */
export interface AnchorLayer {
  stride: number;
  perCell: number;
}

export const BLAZEFACE_BACK_LAYERS: readonly AnchorLayer[] = [
  { stride: 16, perCell: 2 },
  { stride: 32, perCell: 6 },
];

/** Anchor centres in input pixels, flat [cx, cy, …] in MediaPipe order (row, column, anchor). */
export function blazefaceAnchors(
  inputWidth: number,
  inputHeight: number,
  layers: readonly AnchorLayer[] = BLAZEFACE_BACK_LAYERS,
): Float64Array {
  const out: number[] = [];
  for (const { stride, perCell } of layers) {
    const cols = Math.ceil(inputWidth / stride);
    const rows = Math.ceil(inputHeight / stride);
    for (let y = 0; y < rows; y++)
      for (let x = 0; x < cols; x++)
        for (let a = 0; a < perCell; a++) out.push((x + 0.5) * stride, (y + 0.5) * stride);
  }
  return Float64Array.from(out);
}

interface Pair {
  n: number;
  scores: ArrayLike<number>;
  boxes: ArrayLike<number>;
  width: number;
}

// Score outputs are [1,N,1], box outputs [1,N,K≥4]; pair them by N. Named grids (…16x16, …8x8)
// go finest first; otherwise the larger N (the finer grid) first, as MediaPipe concatenates them.
function pairOutputs(outputs: RawOutputs): Pair[] {
  const entries = Object.entries(outputs).filter(([, t]) => t.dims.length === 3);
  const scores = entries.filter(([, t]) => t.dims[2] === 1);
  const boxes = entries.filter(([, t]) => (t.dims[2] ?? 0) >= 4);
  const pairs: Pair[] = [];
  for (const [name, s] of scores) {
    const n = s.dims[1] ?? 0;
    const match = boxes.filter(([, b]) => b.dims[1] === n);
    const box: [string, RawTensor] | undefined =
      match.length === 1 ? match[0] : match.find(([k]) => sameGrid(k, name));
    if (!box)
      throw new Error(
        `blazeface: no box output [1,${n},16] for score output ${name} among: ${describeOutputs(outputs)}`,
      );
    pairs.push({
      n,
      scores: numbers(s, name),
      boxes: numbers(box[1], box[0]),
      width: box[1].dims[2] ?? 0,
    });
  }
  if (pairs.length === 0)
    throw new Error(`blazeface: no [1,N,1] score outputs among: ${describeOutputs(outputs)}`);
  return pairs.sort((a, b) => b.n - a.n);
}

function sameGrid(a: string, b: string): boolean {
  const grid = (s: string) => /(\d+x\d+)/.exec(s)?.[1];
  return grid(a) !== undefined && grid(a) === grid(b);
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-clamp(v, -100, 100)));

/**
 * Weighted NMS as MediaPipe does it: take the best remaining box, gather every remaining box
 * overlapping it by more than the IoU threshold, and replace the cluster by the score-weighted
 * mean box with the best score. Steadier boxes than plain NMS for faces.
 */
export function weightedNms(
  candidates: readonly Detection[],
  iouThreshold: number,
  max: number,
): Detection[] {
  let rest = [...candidates].sort((a, b) => b.score - a.score);
  const out: Detection[] = [];
  while (rest.length > 0 && out.length < max) {
    const best = rest[0] as Detection;
    const cluster = rest.filter((d) => d === best || iou(best.box, d.box) > iouThreshold);
    rest = rest.filter((d) => !cluster.includes(d));
    if (cluster.length === 1) {
      out.push(best);
      continue;
    }
    const total = cluster.reduce((s, d) => s + d.score, 0);
    const box = [0, 1, 2, 3].map(
      (k) => cluster.reduce((s, d) => s + (d.box[k] ?? 0) * d.score, 0) / total,
    ) as BoxXYXY;
    out.push({ label: best.label, score: best.score, box });
  }
  return out;
}

/** Decode raw outputs into face boxes in network-input pixels (keypoints are ignored). */
export function decodeBlazeface(outputs: RawOutputs, opts: DecodeOptions): Detection[] {
  const label = opts.classes[0];
  if (!label) return [];
  const W = opts.inputWidth;
  const H = opts.inputHeight;
  const anchors = blazefaceAnchors(W, H);
  const pairs = pairOutputs(outputs);
  const total = pairs.reduce((s, p) => s + p.n, 0);
  if (total !== anchors.length / 2)
    throw new Error(
      `blazeface: outputs hold ${total} anchors, a ${W}×${H} input has ${anchors.length / 2} (strides 16 and 32): ${describeOutputs(outputs)}`,
    );
  const candidates: Detection[] = [];
  let a = 0;
  for (const p of pairs) {
    for (let i = 0; i < p.n; i++, a++) {
      const score = sigmoid(p.scores[i] ?? NaN);
      if (!(score >= opts.scoreThreshold)) continue; // also drops NaN
      const r = i * p.width;
      // Offsets are in input pixels (MediaPipe x_scale = y_scale = w_scale = h_scale = 256).
      const cx = (anchors[a * 2] ?? 0) + (p.boxes[r] ?? NaN);
      const cy = (anchors[a * 2 + 1] ?? 0) + (p.boxes[r + 1] ?? NaN);
      const w = p.boxes[r + 2] ?? NaN;
      const h = p.boxes[r + 3] ?? NaN;
      if (!(w > 0 && h > 0)) continue;
      const box: BoxXYXY = [
        clamp(cx - w / 2, 0, W),
        clamp(cy - h / 2, 0, H),
        clamp(cx + w / 2, 0, W),
        clamp(cy + h / 2, 0, H),
      ];
      if (box[2] > box[0] && box[3] > box[1]) candidates.push({ label, score, box });
    }
  }
  return weightedNms(candidates, opts.iouThreshold, opts.maxDetections);
}

// Input scaling checked on VOC portraits: −1..1 and 0..1 give the same boxes for near faces, but
// only −1..1 also finds the dim, half-visible faces (scores 0.3–0.5), at the same false-face rate.
export const blazefaceAdapter: DetectorAdapter = {
  name: 'blazeface',
  description:
    'MediaPipe BlazeFace back model: NHWC RGB −1..1 256×256 letterboxed input, 896 SSD anchors, weighted NMS',
  defaultInput: {
    width: 256,
    height: 256,
    // Keep the aspect ratio, as MediaPipe does: the model predicts near-square face boxes, and a
    // stretched input turns them into boxes too wide for the face (measured on VOC portraits).
    resize: 'letterbox',
    padValue: 0,
    channelOrder: 'rgb',
    layout: 'nhwc',
    scale: 1,
    mean: [127.5, 127.5, 127.5],
    std: [127.5, 127.5, 127.5],
  },
  defaultClasses: ['face'],
  // MediaPipe's face_detection_full_range graph uses 0.5 and a 0.3 suppression threshold.
  defaultScoreThreshold: 0.5,
  defaultIouThreshold: 0.3,
  decode: decodeBlazeface,
};
