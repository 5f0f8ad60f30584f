// The pre-filter rules one by one on a 1000 × 500 frame (250,000 px² is half the frame). Every
// expectation is worked out in the comment next to the case.
import type { Detection } from '@pretag/shared/detection/types';
import { describe, expect, it } from 'vitest';
import {
  filterDetections,
  type PrefilterSettings,
  type RejectReason,
} from '../../../edge-agent/src/decide/prefilter.ts';

const FRAME = { width: 1000, height: 500 };
const BASE: PrefilterSettings = {
  classes: ['person', 'car'],
  min_score: 0.35,
  min_area: 0.001, // 500 px²
  max_area: 0.5, // 250,000 px²
  aspect_ratio: { min: 0.2, max: 5 },
  zones: [],
};
const det = (label: string, score: number, box: [number, number, number, number]): Detection => ({
  label,
  score,
  box,
});

/** What happened to one detection: 'ok' or the rejection reason. */
function fate(d: Detection, settings = BASE, masks: number[][] = []): 'ok' | RejectReason {
  const r = filterDetections([d], settings, masks, FRAME);
  if (r.accepted.length === 1) return 'ok';
  const reasons = Object.entries(r.rejected).filter(([, n]) => n > 0);
  expect(reasons).toHaveLength(1);
  return reasons[0]?.[0] as RejectReason;
}

describe('filterDetections: one rule at a time', () => {
  it.each<[string, Detection, 'ok' | RejectReason]>([
    ['a person, 50×200 = 10,000 px², ratio 0.25', det('person', 0.9, [100, 100, 150, 300]), 'ok'],
    ['a dog is not in the class list', det('dog', 0.9, [100, 100, 150, 300]), 'class'],
    ['score 0.34 < 0.35', det('person', 0.34, [100, 100, 150, 300]), 'score'],
    ['score exactly 0.35 passes', det('person', 0.35, [100, 100, 150, 300]), 'ok'],
    ['20×20 = 400 px² < 500', det('car', 0.9, [0, 0, 20, 20]), 'min-area'],
    ['25×20 = 500 px² = min passes', det('car', 0.9, [0, 0, 25, 20]), 'ok'],
    ['600×500 = 300,000 px² > 250,000', det('car', 0.9, [0, 0, 600, 500]), 'max-area'],
    ['500×500 = 250,000 px² = max passes', det('car', 0.9, [0, 0, 500, 500]), 'ok'],
    ['10×100: ratio 0.1 < 0.2', det('person', 0.9, [0, 0, 10, 100]), 'aspect-ratio'],
    ['20×100: ratio 0.2 = min passes', det('person', 0.9, [0, 0, 20, 100]), 'ok'],
    ['300×50: ratio 6 > 5', det('car', 0.9, [0, 0, 300, 50]), 'aspect-ratio'],
    ['250×50: ratio 5 = max passes', det('car', 0.9, [0, 0, 250, 50]), 'ok'],
    ['NaN score', det('person', Number.NaN, [100, 100, 150, 300]), 'invalid'],
    ['inverted box x2 < x1', det('person', 0.9, [150, 100, 100, 300]), 'invalid'],
    ['entirely right of the frame', det('person', 0.9, [1100, 0, 1200, 100]), 'empty'],
    // Class is checked before score: a low-scoring dog counts as "class".
    ['dog at 0.1: first failing rule wins', det('dog', 0.1, [100, 100, 150, 300]), 'class'],
  ])('%s -> %s', (_name, d, want) => {
    expect(fate(d)).toBe(want);
  });

  it('measures the part inside the frame and returns the clipped box', () => {
    // [-50, 400, 50, 600] clipped to [0, 400, 50, 500]: 50×100 = 5,000 px², ratio 0.5.
    const r = filterDetections([det('person', 0.8, [-50, 400, 50, 600])], BASE, [], FRAME);
    expect(r.accepted).toEqual([det('person', 0.8, [0, 400, 50, 500])]);
    // 30×30 = 900 px² unclipped, but only 30×10 = 300 px² inside: below 500.
    expect(fate(det('car', 0.9, [100, 490, 130, 520]))).toBe('min-area');
  });

  it('counts every rejection under its reason and keeps accepted ones in input order', () => {
    const dets = [
      det('car', 0.9, [600, 100, 700, 200]),
      det('dog', 0.9, [0, 0, 100, 100]),
      det('person', 0.1, [0, 0, 100, 100]),
      det('person', 0.2, [0, 0, 100, 100]),
      det('person', 0.9, [100, 100, 150, 300]),
    ];
    const r = filterDetections(dets, BASE, [], FRAME);
    expect(r.accepted).toEqual([dets[0], dets[4]]);
    expect(r.rejected).toEqual({
      invalid: 0,
      class: 1,
      score: 2,
      empty: 0,
      'min-area': 0,
      'max-area': 0,
      'aspect-ratio': 0,
      mask: 0,
      zone: 0,
    });
  });
});

describe('masks and zones use the bottom-centre point', () => {
  // Mask: the bottom-left quarter of the frame (x 0..0.5, y 0.5..1).
  const MASK = [[0, 0.5, 0.5, 0.5, 0.5, 1, 0, 1]];
  // Zone: the right half of the frame (x 0.5..1).
  const ZONED: PrefilterSettings = { ...BASE, zones: [[0.5, 0, 1, 0, 1, 1, 0.5, 1]] };

  it.each<[string, [number, number, number, number], 'ok' | RejectReason]>([
    // Bottom-centre (125 / 1000, 450 / 500) = (0.125, 0.9): inside the mask.
    ['standing in the mask', [100, 300, 150, 450], 'mask'],
    // (0.625, 0.9): right of the mask.
    ['standing right of the mask', [600, 300, 650, 450], 'ok'],
    // Head in the mask's column but feet at (0.125, 0.48), above the mask (y ≥ 0.5).
    ['feet above the mask', [100, 100, 150, 240], 'ok'],
    // Feet at (0.125, 0.5): exactly on the mask's top edge, which counts as inside.
    ['feet on the mask edge', [100, 100, 150, 250], 'mask'],
  ])('mask: %s -> %s', (_name, box, want) => {
    expect(fate(det('person', 0.9, box), BASE, MASK)).toBe(want);
  });

  it.each<[string, [number, number, number, number], 'ok' | RejectReason]>([
    ['feet at (0.73, 0.8): in the zone', [700, 100, 760, 400], 'ok'],
    ['feet at (0.13, 0.8): outside', [100, 100, 160, 400], 'zone'],
    // 450..530 has 30 px inside the zone, but its centre x = 0.49 is outside.
    ['mostly outside, centre at x = 0.49', [450, 100, 530, 400], 'zone'],
    ['straddling, centre at x = 0.51', [480, 100, 540, 400], 'ok'],
    // Centre x = 500 / 1000 = 0.5 exactly: on the zone's edge, which counts as inside.
    ['centre exactly on the zone edge x = 0.5', [470, 100, 530, 400], 'ok'],
    // Clipped at the frame bottom: y2 = 500, feet at y = 1.0 on the zone's bottom edge.
    ['cut off by the frame bottom', [700, 300, 760, 600], 'ok'],
  ])('zone: %s -> %s', (_name, box, want) => {
    expect(fate(det('person', 0.9, box), ZONED)).toBe(want);
  });

  it('a zone that stops short of the frame bottom: the edge y = 0.8 is inside, 0.802 is not', () => {
    const upper: PrefilterSettings = { ...BASE, zones: [[0.5, 0, 1, 0, 1, 0.8, 0.5, 0.8]] };
    expect(fate(det('person', 0.9, [680, 100, 760, 400]), upper)).toBe('ok'); // 400 / 500 = 0.8
    expect(fate(det('person', 0.9, [680, 100, 760, 401]), upper)).toBe('zone'); // 0.802
  });

  it('several zones: any one will do', () => {
    const two: PrefilterSettings = {
      ...BASE,
      zones: [
        [0, 0, 0.2, 0, 0.2, 1, 0, 1],
        [0.8, 0, 1, 0, 1, 1, 0.8, 1],
      ],
    };
    expect(fate(det('person', 0.9, [50, 100, 100, 300]), two)).toBe('ok'); // x = 0.075
    expect(fate(det('person', 0.9, [900, 100, 950, 300]), two)).toBe('ok'); // x = 0.925
    expect(fate(det('person', 0.9, [450, 100, 500, 300]), two)).toBe('zone'); // x = 0.475
  });

  it('on the shared edge of a mask and a zone, the mask wins', () => {
    // Feet at (0.5, 0.9): on the mask's right edge and on the zone's left edge.
    expect(fate(det('person', 0.9, [470, 300, 530, 450]), ZONED, MASK)).toBe('mask');
  });
});

describe('bad input', () => {
  it('refuses a frame size it cannot measure against, saying why', () => {
    expect(() => filterDetections([], BASE, [], { width: 0, height: 500 })).toThrow(
      'frame size must be positive and finite, got 0×500',
    );
    expect(() => filterDetections([], BASE, [], { width: 1000, height: Number.NaN })).toThrow(
      /got 1000×NaN/,
    );
  });

  it('counts malformed detections from a loosely typed caller as invalid, without throwing', () => {
    const junk = [
      { label: 'person', score: 0.9, box: [1, 2, 3] },
      { label: 42, score: 0.9, box: [0, 0, 10, 10] },
      null,
      { label: 'person', score: '0.9', box: [0, 0, 100, 100] },
    ] as unknown as Detection[];
    const r = filterDetections(junk, BASE, [], FRAME);
    expect(r.accepted).toEqual([]);
    expect(r.rejected.invalid).toBe(4);
  });
});
