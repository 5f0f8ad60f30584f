import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COCO80_NAMES, COCO_CATEGORIES } from '../../../shared/src/coco/categories.ts';
import { needMedia } from '../../helpers/media.ts';

// The official COCO 2014 val annotations are an independent source for the category table.
const m = needMedia('coco/coco2014-val-sample/ground-truth.json');

describe.skipIf(!m.ok)('COCO category table', () => {
  const gt = m.ok
    ? (JSON.parse(readFileSync(m.paths[0] ?? '', 'utf8')) as {
        categories: { id: number; name: string }[];
      })
    : { categories: [] };

  it('has the same 80 ids and names as the official COCO annotations', () => {
    const official = gt.categories
      .map((c) => ({ id: c.id, name: c.name }))
      .sort((a, b) => a.id - b.id);
    expect(official).toHaveLength(80);
    expect(COCO_CATEGORIES.map((c) => ({ id: c.id, name: c.name }))).toEqual(official);
  });

  it('lists model class names in ascending COCO id order', () => {
    expect(COCO80_NAMES).toEqual([...gt.categories].sort((a, b) => a.id - b.id).map((c) => c.name));
  });
});
