// torchvision detection exports (Faster R-CNN and friends): input float [3,H,W] RGB 0..1 of any
// size; outputs boxes [N,4] in input pixels, labels [N] int64 (COCO 91-slot ids), scores [N].
// The graph normalises, resizes and runs NMS itself.
import { COCO_CATEGORIES } from '../../coco/categories.ts';
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

/** Index = torchvision label; '' for background (0) and the ten ids COCO dropped. */
export const TORCHVISION_COCO91: readonly string[] = Object.freeze(
  Array.from({ length: 91 }, (_, id) => COCO_CATEGORIES.find((c) => c.id === id)?.name ?? ''),
);

export interface TorchvisionOutputs {
  boxes: RawTensor;
  labels: RawTensor;
  scores: RawTensor;
}

export function findTorchvisionOutputs(outputs: RawOutputs): TorchvisionOutputs {
  const list = Object.entries(outputs);
  const named = (n: string) => list.find(([k]) => k.toLowerCase().includes(n))?.[1];
  const boxes = named('boxes') ?? list.find(([, t]) => t.dims.length === 2 && t.dims[1] === 4)?.[1];
  const labels =
    named('labels') ??
    list.find(([, t]) => t.dims.length === 1 && t.data instanceof BigInt64Array)?.[1];
  const scores =
    named('scores') ??
    list.find(([, t]) => t.dims.length === 1 && t.data instanceof Float32Array)?.[1];
  if (!boxes || !labels || !scores) {
    throw new Error(
      `torchvision-fasterrcnn: need boxes [N,4], labels [N], scores [N]; got: ${describeOutputs(outputs)}`,
    );
  }
  const n = boxes.data.length / 4;
  if (labels.data.length !== n || scores.data.length !== n) {
    throw new Error(`torchvision-fasterrcnn: output lengths disagree: ${describeOutputs(outputs)}`);
  }
  return { boxes, labels, scores };
}

export function decodeTorchvision(t: TorchvisionOutputs, opts: DecodeOptions): Detection[] {
  const out: Detection[] = [];
  for (let i = 0; i < t.scores.data.length; i++) {
    const score = num(t.scores.data, i);
    if (!(score >= opts.scoreThreshold)) continue;
    const label = opts.classes[num(t.labels.data, i)];
    if (!label) continue;
    out.push({
      label,
      score,
      box: [
        clamp(num(t.boxes.data, i * 4), 0, opts.inputWidth),
        clamp(num(t.boxes.data, i * 4 + 1), 0, opts.inputHeight),
        clamp(num(t.boxes.data, i * 4 + 2), 0, opts.inputWidth),
        clamp(num(t.boxes.data, i * 4 + 3), 0, opts.inputHeight),
      ],
    });
  }
  return out.sort((a, b) => b.score - a.score).slice(0, opts.maxDetections);
}

export const torchvisionFasterrcnnAdapter: DetectorAdapter = {
  name: 'torchvision-fasterrcnn',
  description:
    'torchvision detection export: [3,H,W] RGB 0..1 input, boxes/labels/scores with COCO 91-slot labels',
  defaultInput: {
    // The graph resizes internally (min_size 800 by default); 'fit' bounds the longer side first.
    width: 1333,
    height: 1333,
    resize: 'fit',
    padValue: 0,
    channelOrder: 'rgb',
    layout: 'chw',
    scale: 1 / 255,
    mean: [0, 0, 0],
    std: [1, 1, 1],
  },
  defaultClasses: TORCHVISION_COCO91,
  defaultScoreThreshold: 0.5,
  defaultIouThreshold: 0.5,
  decode(outputs, opts) {
    return decodeTorchvision(findTorchvisionOutputs(outputs), opts);
  },
};
