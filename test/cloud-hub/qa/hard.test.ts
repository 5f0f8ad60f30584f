import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HARD_OPTIONS,
  compareDetections,
  hardTags,
} from '../../../cloud-hub/src/qa/hard.ts';
import type { QaFrame } from '../../../cloud-hub/src/qa/types.ts';
import type { BoxXYXY, Detection } from '../../../shared/src/detection/types.ts';

const det = (label: string, score: number, box: BoxXYXY): Detection => ({ label, score, box });
const frame = (over: Partial<QaFrame>): QaFrame => ({
  frameId: 'f',
  camera: 'cam-1',
  capturedAt: '2026-11-27T10:00:00Z',
  hour: 10,
  reason: 'prefilter',
  edge: [],
  cloud: [],
  edgeMinScore: 0.35,
  cloudMinScore: 0.3,
  ...over,
});

const person = (score: number, box: BoxXYXY = [0, 0, 10, 10]) => det('person', score, box);

describe('hardTags on crafted frames (margin 0.05, match IoU 0.5)', () => {
  it.each<[string, Partial<QaFrame>, string[]]>([
    [
      'agreeing boxes far from thresholds',
      { edge: [person(0.8)], cloud: [person(0.9, [1, 0, 11, 10])] },
      [],
    ],
    [
      'audit frame where the cloud finds a person',
      { reason: 'audit', cloud: [person(0.9)] },
      ['audit-miss'],
    ],
    ['audit frame with nothing in it', { reason: 'audit' }, []],
    [
      'edge and cloud boxes in different places',
      { edge: [person(0.8)], cloud: [person(0.9, [50, 50, 60, 60])] },
      ['disagreement'],
    ],
    [
      // [0,0,10,10] vs [5,0,15,10]: ∩ 50, ∪ 150, IoU 0.333 < 0.5 → both unmatched
      'overlap below the match IoU',
      { edge: [person(0.8)], cloud: [person(0.9, [5, 0, 15, 10])] },
      ['disagreement'],
    ],
    [
      'same box, car at the edge and truck in the cloud',
      { edge: [det('car', 0.8, [0, 0, 10, 10])], cloud: [det('truck', 0.9, [0, 0, 10, 10])] },
      ['disagreement'],
    ],
    [
      // |0.37 − 0.35| = 0.02 < 0.05
      'edge score just above the edge threshold',
      { edge: [person(0.37)], cloud: [person(0.9)] },
      ['near-threshold'],
    ],
    [
      // car's own cleanup threshold 0.5: |0.52 − 0.5| = 0.02; the default 0.3 would not be near
      'cloud score near its class threshold',
      {
        edge: [det('car', 0.8, [0, 0, 10, 10])],
        cloud: [det('car', 0.52, [0, 0, 10, 10])],
        cloudClassMinScore: { car: 0.5 },
      },
      ['near-threshold'],
    ],
    [
      'an edge box the cloud does not see, scored near the threshold',
      { edge: [person(0.38)] },
      ['disagreement', 'near-threshold'],
    ],
    [
      // A weak edge box (0.2 < 0.35) is context, not the edge's verdict: the edge accepted
      // nothing, the cloud sees a person, so they disagree even though the boxes overlap.
      'a weak edge box under a cloud person',
      { edge: [person(0.2)], cloud: [person(0.9)] },
      ['disagreement'],
    ],
    [
      // 0.32 is below the edge threshold but within the margin: near, and still not accepted
      'a weak edge box just under the edge threshold',
      { edge: [person(0.32)], cloud: [person(0.9)] },
      ['disagreement', 'near-threshold'],
    ],
  ])('%s', (_name, over, tags) => {
    expect(hardTags(frame(over))).toEqual(tags);
  });

  it('audit misses count only classes of interest when given', () => {
    const f = frame({ reason: 'audit', cloud: [det('dog', 0.9, [0, 0, 10, 10])] });
    expect(hardTags(f, { ...DEFAULT_HARD_OPTIONS, classesOfInterest: ['person'] })).toEqual([]);
    expect(hardTags(f)).toEqual(['audit-miss']);
  });

  it('ignores NaN scores and missing lists without throwing', () => {
    const f = frame({ edge: [person(NaN)], cloud: undefined });
    expect(hardTags(f)).toEqual([]);
  });
});

describe('compareDetections', () => {
  it('matches one-to-one: two cloud boxes on one edge box leave one unmatched', () => {
    const edge = [person(0.8)];
    const cloud = [person(0.9), person(0.85, [0, 0, 10, 9])];
    expect(compareDetections(edge, cloud, 0.5)).toEqual({
      unmatchedEdge: 0,
      unmatchedCloud: 1,
      labelMismatches: 0,
    });
  });
});
