import { describe, expect, it } from 'vitest';
import { cleanDetections } from '../../../cloud-hub/src/cleanup/clean.ts';
import { PERMISSIVE_RULES } from '../../../cloud-hub/src/cleanup/rules.ts';
import type { CleanupRules } from '../../../cloud-hub/src/cleanup/rules.ts';
import type { BoxXYXY, Detection } from '../../../shared/src/detection/types.ts';

const det = (label: string, score: number, box: BoxXYXY): Detection => ({ label, score, box });
const rules = (over: Partial<CleanupRules>): CleanupRules => ({ ...PERMISSIVE_RULES, ...over });
const FRAME = { width: 100, height: 100 };
const NO_DROPS = {
  invalid: 0,
  class: 0,
  score: 0,
  empty: 0,
  'min-area': 0,
  'max-area': 0,
  'aspect-ratio': 0,
  mask: 0,
  nms: 0,
  duplicate: 0,
};

describe('cleanDetections: one box per reason on a 100×100 frame', () => {
  const r = rules({
    classes: ['person', 'car', 'truck'],
    minScore: 0.3,
    classMinScore: { car: 0.5 },
    minArea: { pixels: 16 },
    maxArea: { fraction: 0.8 }, // 0.8 × 10 000 = 8 000 px
    aspectRatio: { min: 0.1, max: 10 },
    masks: [[0.5, 0.9, 1, 0.9, 1, 1, 0.5, 1]], // bottom-right strip y ≥ 0.9, x ≥ 0.5
    nmsIou: 0.5,
    duplicateIou: 0.9,
  });
  const input = [
    det('person', 0.9, [10, 10, 30, 50]), // 0 kept: area 800, w/h 0.5
    det('dog', 0.9, [10, 60, 30, 80]), // 1 class: not on the allow-list
    det('person', 0.2, [70, 10, 90, 30]), // 2 score: 0.2 < 0.3
    det('car', 0.45, [70, 40, 90, 60]), // 3 score: car needs 0.5
    det('person', 0.9, [200, 200, 220, 240]), // 4 empty: wholly outside the frame
    det('person', 0.9, [0, 0, 2, 2]), // 5 min-area: 4 px < 16
    det('car', 0.9, [0, 0, 100, 90]), // 6 max-area: 9 000 > 8 000
    det('person', 0.9, [50, 10, 52, 60]), // 7 aspect-ratio: 2/50 = 0.04 < 0.1
    det('person', 0.9, [60, 70, 80, 95]), // 8 mask: bottom-centre (0.70, 0.95) in the strip
    det('person', 0.8, [11, 10, 31, 50]), // 9 nms: ∩ 19×40 = 760, ∪ 840, IoU 0.905 with #0
    det('car', 0.95, [40, 10, 60, 40]), // 10 kept: area 600
    det('truck', 0.9, [40, 10, 60, 41]), // 11 duplicate: ∩ 600, ∪ 620, IoU 0.968 with car #10
    det('person', NaN, [10, 10, 20, 20]), // 12 invalid: NaN score
    det('person', 0.9, [30, 30, 10, 10]), // 13 invalid: inverted box
  ];
  const out = cleanDetections(input, r, FRAME);

  it('keeps the two clean boxes, in input order', () => {
    expect(out.keptIndices).toEqual([0, 10]);
    expect(out.kept).toEqual([input[0], input[10]]);
    expect(out.error).toBeUndefined();
  });

  it('counts every drop under its first failing check', () => {
    expect(out.dropped).toEqual({
      invalid: 2,
      class: 1,
      score: 2,
      empty: 1,
      'min-area': 1,
      'max-area': 1,
      'aspect-ratio': 1,
      mask: 1,
      nms: 1,
      duplicate: 1,
    });
    expect(out.total).toBe(14); // 2 kept + 12 dropped
  });
});

describe('cleanDetections: classes and renaming', () => {
  const moto = det('motorcycle', 0.6, [10, 10, 30, 30]);

  it('checks the allow-list and thresholds against detector names, then renames', () => {
    const r = rules({
      classes: ['motorcycle'],
      rename: { motorcycle: 'motorbike' },
      classMinScore: { motorcycle: 0.5 },
      minScore: 0.9,
    });
    // 0.6 ≥ motorcycle's own 0.5 (the 0.9 default does not apply) → kept, written as motorbike
    expect(cleanDetections([moto], r, FRAME).kept).toEqual([
      det('motorbike', 0.6, [10, 10, 30, 30]),
    ]);
  });

  it('an allow-list naming only the renamed label drops the class', () => {
    const r = rules({ classes: ['motorbike'], rename: { motorcycle: 'motorbike' } });
    expect(cleanDetections([moto], r, FRAME).dropped.class).toBe(1);
  });

  it('classes renamed to one label are one class for NMS', () => {
    const boxes = [det('car', 0.9, [0, 0, 10, 10]), det('truck', 0.8, [1, 0, 11, 10])]; // IoU 90/110 = 0.818
    const merged = rules({ nmsIou: 0.5, rename: { car: 'vehicle', truck: 'vehicle' } });
    const apart = rules({ nmsIou: 0.5 });
    const a = cleanDetections(boxes, merged, FRAME);
    expect(a.kept).toEqual([det('vehicle', 0.9, [0, 0, 10, 10])]);
    expect(a.dropped.nms).toBe(1);
    expect(cleanDetections(boxes, apart, FRAME).kept).toHaveLength(2);
  });

  it('keeps classes outside COCO when the allow-list is "all", drops them otherwise', () => {
    const odd = [det('forklift', 0.7, [10, 10, 40, 40])];
    expect(cleanDetections(odd, rules({}), FRAME).kept).toEqual(odd);
    expect(cleanDetections(odd, rules({ classes: ['person'] }), FRAME).dropped.class).toBe(1);
  });
});

describe('cleanDetections: masks', () => {
  // Mask over the bottom fifth of the frame: y from 0.8 to 1, full width.
  const strip = [0, 0.8, 1, 0.8, 1, 1, 0, 1];
  const standing = det('person', 0.9, [40, 50, 60, 90]); // bottom-centre (0.5, 0.9), centre (0.5, 0.7)
  const above = det('person', 0.9, [40, 10, 60, 70]); // bottom-centre (0.5, 0.7)
  const cutOff = det('person', 0.9, [40, 60, 60, 130]); // clipped to y2 = 100: bottom-centre (0.5, 1.0), on the mask edge

  it('bottom-centre anchor: drops boxes standing in the mask, including on its edge', () => {
    const out = cleanDetections([standing, above, cutOff], rules({ masks: [strip] }), FRAME);
    expect(out.keptIndices).toEqual([1]);
    expect(out.dropped.mask).toBe(2);
  });

  it('centre anchor: the same standing box stays, its centre is above the mask', () => {
    const out = cleanDetections(
      [standing, above],
      rules({ masks: [strip], maskAnchor: 'centre' }),
      FRAME,
    );
    expect(out.keptIndices).toEqual([0, 1]);
  });

  it('a triangular mask: inside below the diagonal x + y < 1 only', () => {
    const triangle = [0, 0, 1, 0, 0, 1];
    const r = rules({ masks: [triangle], maskAnchor: 'centre' });
    const inside = det('car', 0.9, [20, 20, 40, 40]); // centre (0.3, 0.3): 0.6 < 1
    const outside = det('car', 0.9, [50, 50, 70, 70]); // centre (0.6, 0.6): 1.2 > 1
    expect(cleanDetections([inside, outside], r, FRAME).keptIndices).toEqual([1]);
  });

  it('ignores a malformed mask instead of throwing', () => {
    const out = cleanDetections(
      [standing],
      rules({
        masks: [
          [0, 0, 1],
          [NaN, 0, 1, 0, 1, 1],
        ],
      }),
      FRAME,
    );
    expect(out.keptIndices).toEqual([0]);
  });
});

describe('cleanDetections: cross-class duplicates', () => {
  const car = det('car', 0.9, [0, 0, 10, 10]);
  const truck = det('truck', 0.95, [0, 0, 10, 11]); // IoU 100/110 = 0.909

  it('keeps the higher score when the IoU is above the threshold', () => {
    const out = cleanDetections([car, truck], rules({ duplicateIou: 0.9 }), FRAME);
    expect(out.kept).toEqual([truck]);
    expect(out.dropped.duplicate).toBe(1);
  });

  it('keeps both below the threshold', () => {
    expect(cleanDetections([car, truck], rules({ duplicateIou: 0.95 }), FRAME).kept).toEqual([
      car,
      truck,
    ]);
  });

  it('never removes same-class overlaps, whatever the threshold', () => {
    const twins = [det('person', 0.9, [0, 0, 10, 10]), det('person', 0.8, [1, 0, 11, 10])]; // IoU 0.818
    expect(cleanDetections(twins, rules({ duplicateIou: 0.5 }), FRAME).kept).toEqual(twins);
  });
});

describe('cleanDetections: clipping and areas', () => {
  const corner = det('person', 0.9, [-10, -10, 20, 20]); // clipped to [0, 0, 20, 20]: 400 px

  it('clips to the frame and measures the clipped box', () => {
    expect(cleanDetections([corner], rules({}), FRAME).kept).toEqual([
      det('person', 0.9, [0, 0, 20, 20]),
    ]);
    // 400 < 500 when clipped; unclipped the box is 30 × 30 = 900 ≥ 500
    expect(
      cleanDetections([corner], rules({ minArea: { pixels: 500 } }), FRAME).dropped['min-area'],
    ).toBe(1);
    expect(
      cleanDetections([corner], rules({ minArea: { pixels: 500 }, clip: false }), FRAME).kept,
    ).toEqual([corner]);
  });

  it('fractions are of width × height and the limits are inclusive', () => {
    const r = rules({ minArea: { fraction: 0.01 } }); // 0.01 × 10 000 = 100 px
    const small = det('car', 0.9, [0, 0, 9, 10]); // 90 px
    const exact = det('car', 0.9, [50, 50, 60, 60]); // 100 px
    expect(cleanDetections([small, exact], r, FRAME).keptIndices).toEqual([1]);
  });
});

describe('cleanDetections: bad input does not throw', () => {
  it('empty input', () => {
    expect(cleanDetections([], rules({ nmsIou: 0.5, duplicateIou: 0.5 }), FRAME)).toEqual({
      kept: [],
      keptIndices: [],
      dropped: NO_DROPS,
      total: 0,
    });
  });

  it('a frame without a size drops everything and says why', () => {
    const out = cleanDetections([det('car', 0.9, [0, 0, 5, 5])], rules({}), {
      width: 0,
      height: NaN,
    });
    expect(out.kept).toEqual([]);
    expect(out.dropped.invalid).toBe(1);
    expect(out.error).toMatch(/frame size must be positive/);
  });

  it('missing labels, infinite corners, short boxes and non-numbers count as invalid', () => {
    const junk = [
      { label: null, score: 0.9, box: [0, 0, 5, 5] },
      { label: 'car', score: 0.9, box: [0, 0, Infinity, 5] },
      { label: 'car', score: 0.9, box: [0, 0, 5] },
      { label: 'car', score: '0.9', box: [0, 0, 5, 5] },
      null,
    ] as unknown as Detection[];
    const out = cleanDetections(junk, rules({}), FRAME);
    expect(out.kept).toEqual([]);
    expect(out.dropped.invalid).toBe(5);
  });

  it('every one of 100k random detections is either kept or counted once', () => {
    let s = 7;
    const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
    const many = Array.from({ length: 100_000 }, () => {
      const x = rnd() * 3840 - 20;
      const y = rnd() * 2160 - 20;
      return det(rnd() < 0.5 ? 'car' : 'truck', rnd(), [
        x,
        y,
        x + 5 + rnd() * 80,
        y + 5 + rnd() * 80,
      ]);
    });
    const out = cleanDetections(many, rules({ minScore: 0.3, nmsIou: 0.5, duplicateIou: 0.8 }), {
      width: 3840,
      height: 2160,
    });
    const dropped = Object.values(out.dropped).reduce((a, b) => a + b, 0);
    expect(out.kept.length + dropped).toBe(100_000);
    expect(out.dropped.nms).toBeGreaterThan(0);
  });
});
