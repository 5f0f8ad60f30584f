// Region planning as a table: face and person boxes in, the pixel rectangles to obscure out.
// Every expected rectangle is worked out by hand from the rules: head = top head_fraction of the
// person box, head_width of its width centred; pad by padding × size on each side; round out to
// whole pixels (floor the top-left, ceil the bottom-right); clip to the frame; merge rectangles
// that touch or overlap into their bounding rectangle.
import { describe, expect, it } from 'vitest';
import type { BoxXYXY, Detection } from '@pretag/shared/detection/types';
import {
  parseRedactionOptions,
  redactionOptionsFor,
} from '../../../edge-agent/src/privacy/options.ts';
import {
  planRedaction,
  type PlanOptions,
  type Rect,
} from '../../../edge-agent/src/privacy/plan.ts';

const W = 640;
const H = 480;
const BASE: PlanOptions = {
  head_fraction: 0.2,
  head_width: 1,
  min_face_score: 0.5,
  person_labels: ['person'],
  padding: 0,
};

const face = (box: BoxXYXY, score = 0.9): Detection => ({ label: 'face', score, box });
const person = (box: BoxXYXY): Detection => ({ label: 'person', score: 0.8, box });
const rect = (left: number, top: number, width: number, height: number): Rect => ({
  left,
  top,
  width,
  height,
});

type Row = [
  what: string,
  faces: Detection[],
  detections: Detection[],
  options: Partial<PlanOptions>,
  expected: Rect[],
];

const TABLE: Row[] = [
  ['nothing detected', [], [], {}, []],
  ['a face as it is', [face([100, 100, 140, 150])], [], {}, [rect(100, 100, 40, 50)]],
  // 10 % of 40 × 50 is 4 px left/right and 5 px top/bottom.
  ['a padded face', [face([100, 100, 140, 150])], [], { padding: 0.1 }, [rect(96, 95, 48, 60)]],
  ['a face under min_face_score', [face([100, 100, 140, 150], 0.4)], [], {}, []],
  [
    'a face exactly at min_face_score',
    [face([100, 100, 140, 150], 0.5)],
    [],
    {},
    [rect(100, 100, 40, 50)],
  ],
  // floor(10.4) = 10, floor(20.6) = 20, ceil(30.2) = 31, ceil(40.5) = 41.
  ['fractions round outwards', [face([10.4, 20.6, 30.2, 40.5])], [], {}, [rect(10, 20, 21, 21)]],
  // Top 20 % of a 300 px tall box is 60 px; full width.
  ['a person: head = top 20 %', [], [person([200, 100, 300, 400])], {}, [rect(200, 100, 100, 60)]],
  // 60 % of 100 px centred on x = 250 → 220..280.
  [
    'head_width 0.6, centred',
    [],
    [person([200, 100, 300, 400])],
    { head_width: 0.6 },
    [rect(220, 100, 60, 60)],
  ],
  // Head 200..300 × 100..175; pad 10 px and 7.5 px → 190..310 × 92.5..182.5 → 92..183.
  [
    'head_fraction 0.25 with padding 0.1',
    [],
    [person([200, 100, 300, 400])],
    { head_fraction: 0.25, padding: 0.1 },
    [rect(190, 92, 120, 91)],
  ],
  ['other classes give no head', [], [{ label: 'car', score: 0.9, box: [0, 0, 100, 100] }], {}, []],
  [
    'person_labels chooses the classes',
    [],
    [{ label: 'rider', score: 0.9, box: [0, 0, 100, 100] }],
    { person_labels: ['rider'] },
    [rect(0, 0, 100, 20)],
  ],
  ['clipped at the top-left corner', [face([-20, -10, 30, 40])], [], {}, [rect(0, 0, 30, 40)]],
  // Head 600..700 × 300..340 clipped to the 640 px wide frame.
  ['clipped at the right edge', [], [person([600, 300, 700, 500])], {}, [rect(600, 300, 40, 40)]],
  ['entirely outside the frame', [face([700, 10, 720, 30])], [], {}, []],
  ['head_fraction 0 gives nothing', [], [person([200, 100, 300, 400])], { head_fraction: 0 }, []],
  [
    'a face inside a head region merges into it',
    [face([210, 110, 250, 150])],
    [person([200, 100, 300, 400])],
    {},
    [rect(200, 100, 100, 60)],
  ],
  [
    'rectangles sharing an edge merge',
    [face([0, 0, 10, 10]), face([10, 0, 20, 10])],
    [],
    {},
    [rect(0, 0, 20, 10)],
  ],
  // A and C are apart until B joins them: 0..40.
  [
    'merging is transitive',
    [face([0, 0, 10, 10]), face([30, 0, 40, 10]), face([8, 0, 32, 10])],
    [],
    {},
    [rect(0, 0, 40, 10)],
  ],
  // Overlapping L-shape: bounding rectangle 100..180 × 100..200.
  [
    'overlapping regions become their bounding rectangle',
    [face([100, 100, 150, 150]), face([140, 140, 180, 200])],
    [],
    {},
    [rect(100, 100, 80, 100)],
  ],
  [
    'separate regions stay apart, sorted top to bottom',
    [face([300, 200, 340, 240]), face([100, 50, 140, 90])],
    [],
    {},
    [rect(100, 50, 40, 40), rect(300, 200, 40, 40)],
  ],
];

describe('planRedaction', () => {
  it.each(TABLE)('%s', (_what, faces, detections, options, expected) => {
    expect(
      planRedaction({ width: W, height: H, faces, detections }, { ...BASE, ...options }),
    ).toEqual(expected);
  });

  it('refuses a person box it cannot place, rather than skipping its head', () => {
    expect(() =>
      planRedaction(
        { width: W, height: H, faces: [], detections: [person([Number.NaN, 0, 10, 10])] },
        BASE,
      ),
    ).toThrow(/person box has a non-finite corner: \[NaN, 0, 10, 10\]/);
  });
});

describe('redaction options', () => {
  it('defaults to on, pixelate, top 20 % of person boxes', () => {
    const o = parseRedactionOptions();
    expect(o).toMatchObject({ enabled: true, mode: 'pixelate', head_fraction: 0.2, head_width: 1 });
  });

  it('follows the camera switch redact_faces', () => {
    expect(redactionOptionsFor({ redact_faces: false }).enabled).toBe(false);
    expect(redactionOptionsFor({ redact_faces: true }, { mode: 'blur' })).toMatchObject({
      enabled: true,
      mode: 'blur',
    });
  });

  it('names the bad key', () => {
    expect(() => parseRedactionOptions({ head_fraction: 1.5 })).toThrow(
      /invalid redaction options:[\s\S]*head_fraction/,
    );
    expect(() => parseRedactionOptions({ mode: 'smear' as 'blur' })).toThrow(/mode/);
  });
});
