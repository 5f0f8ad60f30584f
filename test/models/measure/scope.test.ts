// The pure decisions behind `pretag models eval --model`: which classes are scored, which images
// are matched, when a skipped measurement is redone, and the latency median.
import { describe, expect, it } from 'vitest';
import { COCO80_NAMES } from '@pretag/shared/coco/categories';
import { scopeClasses } from '../../../models/src/measure/class-scope.ts';
import { matchImages } from '../../../models/src/measure/image-set.ts';
import { measurementOutdated } from '../../../models/src/measure/build-step.ts';
import { median } from '../../../models/src/measure/latency.ts';

const VOC_SOME = [
  { id: 1, name: 'person' },
  { id: 9, name: 'motorbike' },
  { id: 14, name: 'sofa' },
  { id: 30, name: 'forklift' },
];

describe('scopeClasses', () => {
  it('with the VOC map scores every class a COCO model has, and reports the rest', () => {
    const s = scopeClasses(VOC_SOME, COCO80_NAMES, { classMap: 'voc' });
    expect(s.catIds).toEqual([1, 9, 14]);
    expect(s.notEvaluated).toEqual([{ name: 'forklift', lookedFor: 'forklift' }]);
  });
  it('without the map, VOC spellings are not COCO classes', () => {
    const s = scopeClasses(VOC_SOME, COCO80_NAMES, { classMap: 'none' });
    expect(s.catIds).toEqual([1]);
    expect(s.notEvaluated.map((n) => n.name)).toEqual(['motorbike', 'sofa', 'forklift']);
  });
  it('narrows to --classes, in either spelling', () => {
    const s = scopeClasses(VOC_SOME, COCO80_NAMES, {
      classMap: 'voc',
      classes: ['motorcycle', 'person'],
    });
    expect(s.catIds).toEqual([9, 1]);
  });
  it('refuses a requested class the model cannot predict', () => {
    expect(() =>
      scopeClasses(VOC_SOME, COCO80_NAMES, { classMap: 'voc', classes: ['forklift'] }),
    ).toThrow('the model has no class for forklift');
  });
  it('refuses a ground truth the model shares no class with, hinting at the VOC map', () => {
    expect(() =>
      scopeClasses([{ id: 1, name: 'motorbike' }], COCO80_NAMES, { classMap: 'none' }),
    ).toThrow(/predicts none of the ground truth's classes \(motorbike\).*--class-map voc/);
  });
});

describe('matchImages', () => {
  const images = [
    { id: 1, file_name: 'a.jpg' },
    { id: 2, file_name: 'sub/b.jpg' },
    { id: 3, file_name: 'c.jpg' },
  ];
  it('matches by base name and lists what is missing', () => {
    expect(matchImages(images, ['b.jpg', 'a.jpg', 'other.png'], '/x')).toEqual({
      found: [
        { id: 1, fileName: 'a.jpg' },
        { id: 2, fileName: 'b.jpg' },
      ],
      missing: ['c.jpg'],
    });
  });
  it('refuses a folder holding none of them, naming examples', () => {
    expect(() => matchImages(images, [], '/empty')).toThrow(
      'none of the 3 ground-truth images (a.jpg, b.jpg, c.jpg) is in /empty (0 files there)',
    );
  });
});

describe('measurementOutdated', () => {
  const skipped = (because: string) => ({
    voc100: { status: 'skipped', because, reason: 'r' },
  });
  it('redoes a build that turned measuring off, media or not', () => {
    expect(measurementOutdated(skipped('disabled'), false)).toBe(true);
  });
  it('redoes a build that lacked media only once media is there', () => {
    expect(measurementOutdated(skipped('no-media'), false)).toBe(false);
    expect(measurementOutdated(skipped('no-media'), true)).toBe(true);
  });
  it('leaves measured and never-measured cards alone', () => {
    expect(measurementOutdated({}, true)).toBe(false);
    expect(measurementOutdated({ voc100: { status: 'measured' } }, true)).toBe(false);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow('median of no values');
  });
});
