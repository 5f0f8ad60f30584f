// Bad ground-truth and detections files are refused with a message naming the problem.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDetections, loadGroundTruth } from '../../../shared/src/eval/coco-files.ts';
import { parseDetections, parseGroundTruth } from '../../../shared/src/eval/coco-input.ts';
import { EvalInputError } from '../../../shared/src/eval/errors.ts';

const goodGt = () => ({
  images: [
    { id: 1, file_name: 'a.jpg' },
    { id: 2, file_name: 'sub/b.jpg' },
  ],
  categories: [
    { id: 1, name: 'person' },
    { id: 2, name: 'motorbike' },
  ],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 },
  ],
});

function gtError(json: unknown): string {
  try {
    parseGroundTruth(json, 'gt.json');
  } catch (err) {
    expect(err).toBeInstanceOf(EvalInputError);
    return (err as Error).message;
  }
  throw new Error('expected the ground truth to be refused');
}

function detError(json: unknown): string {
  try {
    parseDetections(json, parseGroundTruth(goodGt()), 'dets.json');
  } catch (err) {
    expect(err).toBeInstanceOf(EvalInputError);
    return (err as Error).message;
  }
  throw new Error('expected the detections to be refused');
}

describe('ground truth checks', () => {
  it('accepts a well-formed file and keeps extra COCO fields', () => {
    const gt = parseGroundTruth({ ...goodGt(), info: { year: 2014 } });
    expect(gt.annotations).toHaveLength(1);
  });
  it('names a missing section', () => {
    const { images: _drop, ...noImages } = goodGt();
    expect(gtError(noImages)).toMatch(/gt\.json is not a valid COCO ground truth:\n {2}images: /);
  });
  it('names the annotation with a malformed box', () => {
    const gt = goodGt();
    gt.annotations.push({ ...gt.annotations[0]!, bbox: [1, 2, 3] });
    expect(gtError(gt)).toMatch(/annotations\[1\]\.bbox: must be \[x, y, width, height\]/);
  });
  it('refuses a negative width', () => {
    const gt = goodGt();
    gt.annotations[0]!.bbox = [0, 0, -5, 10];
    expect(gtError(gt)).toMatch(/annotations\[0\]\.bbox: width and height must not be negative/);
  });
  it('refuses duplicate image ids', () => {
    const gt = goodGt();
    gt.images.push({ id: 1, file_name: 'c.jpg' });
    expect(gtError(gt)).toBe('gt.json: image id 1 appears more than once');
  });
  it('refuses annotations of undeclared images or categories', () => {
    const a = goodGt();
    a.annotations[0]!.image_id = 9;
    expect(gtError(a)).toBe('gt.json: annotations[0]: image_id 9 is not in images');
    const b = goodGt();
    b.annotations[0]!.category_id = 7;
    expect(gtError(b)).toBe('gt.json: annotations[0]: category_id 7 is not in categories');
  });
  it('refuses a file that is not a dataset at all', () => {
    expect(gtError([1, 2, 3])).toMatch(/not a valid COCO ground truth:\n {2}\(top level\)/);
  });
});

describe('detections checks', () => {
  it('names the detection with a wrong score type', () => {
    expect(detError([{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], score: '0.9' }])).toMatch(
      /dets\.json is not a valid COCO results list:\n {2}\[0\]\.score: /,
    );
  });
  it('refuses detections on images the ground truth does not have', () => {
    expect(detError([{ image_id: 5, category_id: 1, bbox: [0, 0, 1, 1], score: 0.9 }])).toBe(
      'dets.json: detection [0]: image_id 5 is not an image of the ground truth',
    );
  });
  it('ignores detections of other classes, with a warning', () => {
    const parsed = parseDetections(
      [
        { image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], score: 0.9 },
        { image_id: 1, category_id: 44, bbox: [0, 0, 1, 1], score: 0.9 },
      ],
      parseGroundTruth(goodGt()),
    );
    expect(parsed.warnings).toEqual([
      '1 detection(s) with category_id 44 ignored: not a ground-truth category',
    ]);
  });
  it('explains both accepted shapes when neither fits', () => {
    expect(detError({ detections: [] })).toMatch(
      /a COCO results list, or a dataset with scored annotations/,
    );
  });
  it('refuses a scored dataset whose image is not in the ground truth', () => {
    const ds = {
      images: [{ id: 0, file_name: 'zzz.jpg' }],
      categories: [{ id: 0, name: 'person' }],
      annotations: [{ image_id: 0, category_id: 0, bbox: [0, 0, 1, 1], score: 0.5 }],
    };
    expect(detError(ds)).toBe('dets.json: detections image "zzz.jpg" is not in the ground truth');
  });
  it('re-keys a scored dataset by file name and class name', () => {
    const ds = {
      images: [{ id: 10, file_name: 'b.jpg' }],
      categories: [
        { id: 0, name: 'motorcycle' },
        { id: 1, name: 'dog' },
      ],
      annotations: [
        { image_id: 10, category_id: 0, bbox: [1, 2, 3, 4], score: 0.5 },
        { image_id: 10, category_id: 1, bbox: [1, 2, 3, 4], score: 0.5 },
      ],
    };
    const parsed = parseDetections(ds, parseGroundTruth(goodGt()));
    // b.jpg is image 2 ("sub/b.jpg"); COCO "motorcycle" is the VOC "motorbike" class, id 2.
    expect(parsed.detections).toEqual([
      { image_id: 2, category_id: 2, bbox: [1, 2, 3, 4], score: 0.5 },
    ]);
    expect(parsed.warnings).toEqual([
      '1 detection(s) of class "dog" dropped: not a ground-truth class',
    ]);
  });
});

describe('reading files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pretag-eval-'));
  it('says when a file is missing', async () => {
    await expect(loadGroundTruth(path.join(dir, 'nope.json'))).rejects.toThrow(
      /cannot read .*nope\.json: no such file/,
    );
  });
  it('says when a file is not JSON', async () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{"images": [');
    await expect(loadGroundTruth(file)).rejects.toThrow(/broken\.json is not valid JSON/);
  });
  it('loads a good pair', async () => {
    const gtFile = path.join(dir, 'gt.json');
    const detFile = path.join(dir, 'dets.json');
    writeFileSync(gtFile, JSON.stringify(goodGt()));
    writeFileSync(detFile, '[]');
    const gt = await loadGroundTruth(gtFile);
    expect((await loadDetections(detFile, gt)).detections).toEqual([]);
  });
});
