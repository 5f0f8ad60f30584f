// Adapter decoders on hand-built output tensors; expected boxes are worked out by hand in the comments.
import { describe, expect, it } from 'vitest';
import type { DecodeOptions, RawTensor } from '@pretag/shared/detector/adapters/adapter';
import { getAdapter, adapterNames } from '@pretag/shared/detector/adapters/index';
import { COCO80_NAMES } from '@pretag/shared/coco/categories';

const opts = (over: Partial<DecodeOptions> = {}): DecodeOptions => ({
  classes: COCO80_NAMES,
  scoreThreshold: 0.3,
  iouThreshold: 0.6,
  maxDetections: 100,
  inputWidth: 416,
  inputHeight: 416,
  ...over,
});
const f32 = (dims: number[], fill = 0): RawTensor => ({
  dims,
  data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(fill),
});
const data = (t: RawTensor) => t.data as Float32Array;

describe('nanodet GFL decode', () => {
  const nanodet = getAdapter('nanodet');
  // Three levels at 416: stride 32 → 13×13 = 169 cells, 16 → 676, 8 → 2704; 11 bins per side.
  function outputs() {
    return {
      s8: f32([1, 2704, 80]),
      b32: f32([1, 169, 44]),
      s32: f32([1, 169, 80]),
      b16: f32([1, 676, 44]),
      s16: f32([1, 676, 80]),
      b8: f32([1, 2704, 44]),
    };
  }
  /** Put a one-hot distribution (logit 50 on `bin`, 0 elsewhere) on one side of one cell. */
  function oneHot(t: RawTensor, cell: number, side: number, bin: number) {
    data(t)[(cell * 4 + side) * 11 + bin] = 50;
  }

  it('turns a one-hot bin distribution into exactly bin × stride from the cell centre', () => {
    const o = outputs();
    // Stride 32, cell 14 = row 1, col 1 → centre (1.5·32, 1.5·32) = (48, 48).
    data(o.s32)[14 * 80 + 0] = 0.9; // person
    oneHot(o.b32, 14, 0, 1); // left   1·32 = 32  → x1 = 16
    oneHot(o.b32, 14, 1, 0); // top    0        → y1 = 48
    oneHot(o.b32, 14, 2, 2); // right  2·32 = 64  → x2 = 112
    oneHot(o.b32, 14, 3, 10); // bottom 10·32 = 320 → y2 = 368
    const dets = nanodet.decode(o, opts());
    expect(dets).toHaveLength(1);
    expect(dets[0]?.label).toBe('person');
    expect(dets[0]?.score).toBeCloseTo(0.9, 6);
    const box = dets[0]?.box ?? [];
    [16, 48, 112, 368].forEach((v, i) => expect(box[i]).toBeCloseTo(v, 4));
  });

  it('pairs the stride-8 map by its cell count and takes the softmax expectation of a flat distribution', () => {
    const o = outputs();
    // Stride 8, 52 cells a row; cell 52·10 + 5 → centre (5.5·8, 10.5·8) = (44, 84).
    // All-equal logits: expected bin = mean of 0..10 = 5 → distance 40 on every side.
    const cell = 52 * 10 + 5;
    data(o.s8)[cell * 80 + 16] = 0.7; // dog
    const dets = nanodet.decode(o, opts());
    expect(dets.map((d) => d.label)).toEqual(['dog']);
    [4, 44, 84, 124].forEach((v, i) => expect(dets[0]?.box[i]).toBeCloseTo(v, 4));
  });

  it('keeps every class above the threshold in one cell, and suppresses an overlapping same-class box', () => {
    const o = outputs();
    // Stride 16 cells 27 (row 1, col 1) and 28 (row 1, col 2), both with flat distributions
    // (distance 80): boxes [-56→0, -56→0, 104, 104] and [-40→0, 0, 120, 104]; IoU = 104²/(104·120) ≈ 0.87.
    data(o.s16)[27 * 80 + 2] = 0.8; // car
    data(o.s16)[27 * 80 + 7] = 0.5; // truck, same cell
    data(o.s16)[28 * 80 + 2] = 0.6; // car again, overlapping the first
    data(o.s16)[28 * 80 + 5] = 0.2; // bus below threshold
    const dets = nanodet.decode(o, opts());
    expect(dets.map((d) => [d.label, d.score.toFixed(2)])).toEqual([
      ['car', '0.80'],
      ['truck', '0.50'],
    ]);
    [0, 0, 104, 104].forEach((v, i) => expect(dets[0]?.box[i]).toBeCloseTo(v, 4));
  });

  it('says which outputs it got when the maps do not fit', () => {
    expect(() => nanodet.decode({ x: f32([1, 100, 80]), y: f32([1, 100, 44]) }, opts())).toThrow(
      /score map with 100 cells has no matching box map or stride; outputs: x\[1,100,80\], y\[1,100,44\]/,
    );
    expect(() => nanodet.decode({ y: f32([1, 169, 44]) }, opts())).toThrow(
      /no \[1,N,80\] score maps/,
    );
  });
});

describe('yolo decode', () => {
  const yolo = getAdapter('yolo');
  const classes = ['helmet', 'vest'];
  // Three anchors, 2 classes; rows cx, cy, w, h, score(helmet), score(vest).
  const anchors = [
    [100, 50, 40, 20, 0.1, 0.8], // vest, box [80, 40, 120, 60]
    [300, 300, 10, 10, 0.2, 0.1], // below 0.25
    [102, 51, 40, 20, 0.05, 0.6], // vest, overlaps anchor 0 (IoU ≈ 0.85) → suppressed
  ];
  const o = (attributeMajor: boolean): Record<string, RawTensor> => {
    const values = attributeMajor
      ? [0, 1, 2, 3, 4, 5].flatMap((a) => anchors.map((r) => r[a] ?? 0))
      : anchors.flat();
    return {
      output0: { dims: attributeMajor ? [1, 6, 3] : [1, 3, 6], data: Float32Array.from(values) },
    };
  };
  const yopts = opts({
    classes,
    scoreThreshold: 0.25,
    iouThreshold: 0.45,
    inputWidth: 640,
    inputHeight: 640,
  });

  it.each([true, false])(
    'decodes centre/size rows to corners with class-aware NMS (attribute-major %s)',
    (am) => {
      const dets = yolo.decode(o(am), yopts);
      expect(dets).toHaveLength(1);
      expect(dets[0]?.label).toBe('vest');
      expect(dets[0]?.score).toBeCloseTo(0.8, 6);
      expect(dets[0]?.box).toEqual([80, 40, 120, 60]);
    },
  );

  it('rejects an output whose size does not fit the class list', () => {
    expect(() => yolo.decode(o(true), { ...yopts, classes: COCO80_NAMES })).toThrow(
      /expected an output \[1,84,N\]/,
    );
  });
});

describe('centernet decode', () => {
  const centernet = getAdapter('centernet');
  it('reads x1,y1,x2,y2,score,class rows, 0-based classes, and drops rows under the threshold', () => {
    const rows = [
      [10, 20, 110, 220, 0.9, 0], // person
      [50, 60, 70, 80, 0.4, 2], // car
      [0, 0, 5, 5, 0.1, 16], // under threshold
    ];
    const t = { dims: [1, 3, 6], data: Float32Array.from(rows.flat()) };
    const dets = centernet.decode(
      { 'tower_0/keypoints': f32([1, 2, 2, 80]), 'tower_0/detections': t },
      opts({ inputWidth: 512, inputHeight: 512 }),
    );
    expect(dets).toEqual([
      { label: 'person', score: expect.closeTo(0.9, 6) as number, box: [10, 20, 110, 220] },
      { label: 'car', score: expect.closeTo(0.4, 6) as number, box: [50, 60, 70, 80] },
    ]);
  });
});

describe('torchvision-fasterrcnn decode', () => {
  const frcnn = getAdapter('torchvision-fasterrcnn');
  it('maps COCO 91-slot labels to names and drops the unused slots', () => {
    const out = {
      boxes: {
        dims: [4, 4],
        data: Float32Array.from([1, 2, 30, 40, 5, 5, 50, 50, 7, 7, 9, 9, 0, 0, 10, 10]),
      },
      // 1 = person, 62 = chair, 12 = a slot COCO dropped, 90 = toothbrush
      labels: { dims: [4], data: BigInt64Array.from([1n, 62n, 12n, 90n]) },
      scores: { dims: [4], data: Float32Array.from([0.95, 0.7, 0.9, 0.2]) },
    };
    const dets = frcnn.decode(out, opts({ classes: frcnn.defaultClasses, scoreThreshold: 0.5 }));
    expect(dets.map((d) => [d.label, d.box])).toEqual([
      ['person', [1, 2, 30, 40]],
      ['chair', [5, 5, 50, 50]],
    ]);
    const low = frcnn.decode(out, opts({ classes: frcnn.defaultClasses, scoreThreshold: 0.1 }));
    expect(low.map((d) => d.label)).toEqual(['person', 'chair', 'toothbrush']);
  });
});

describe('adapter registry', () => {
  it('names the five adapters, accepts the fasterrcnn alias, and rejects an unknown one with the list', () => {
    expect(adapterNames()).toEqual([
      'blazeface',
      'centernet',
      'nanodet',
      'torchvision-fasterrcnn',
      'yolo',
    ]);
    expect(getAdapter('fasterrcnn').name).toBe('torchvision-fasterrcnn');
    expect(() => getAdapter('ssd')).toThrow(
      'unknown detector adapter "ssd"; known: blazeface, centernet, nanodet, torchvision-fasterrcnn, yolo',
    );
  });
});
