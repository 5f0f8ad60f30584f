// The packaged detectors (converted to models/build/*.onnx by `pretag models build`) on real
// photos: the expected classes must be found, and on VOC photos every ground-truth box must be
// matched by a same-class detection with IoU ≥ 0.5.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDetector } from '@pretag/shared/detector/onnx-detector';
import type { Detector } from '@pretag/shared/detector/types';
import { needMedia, repoRoot } from '../../helpers/media.ts';

const VOC_IMAGES = ['2007_000027', '2007_000733', '2007_000768', '2007_000822'];
const m = needMedia(
  'images/darknet-nogt/person.jpg',
  'images/darknet-nogt/dog.jpg',
  'images/darknet-nogt/horses.jpg',
  ...VOC_IMAGES.flatMap((id) => [
    `images/voc100/images/${id}.jpg`,
    `images/voc100/pascalvoc_xml/${id}.xml`,
  ]),
);
const media = (rel: string) => m.paths.find((p) => p.endsWith(rel)) ?? rel;

// VOC names that COCO spells differently (from the VOC and COCO category lists).
const VOC_NAME: Record<string, string> = {
  motorbike: 'motorcycle',
  aeroplane: 'airplane',
  tvmonitor: 'tv',
  sofa: 'couch',
};

interface GtBox {
  label: string;
  box: number[];
}

/** Non-difficult objects of a PASCAL VOC annotation file. */
async function vocObjects(file: string): Promise<GtBox[]> {
  const xml = await readFile(file, 'utf8');
  const out: GtBox[] = [];
  for (const [, obj = ''] of xml.matchAll(/<object>([\s\S]*?)<\/object>/g)) {
    const tag = (t: string) =>
      /<(\w+)>([^<]*)<\/\1>/.exec(obj.slice(obj.indexOf(`<${t}>`)))?.[2] ?? '';
    if (tag('difficult') === '1') continue;
    const name = tag('name').trim();
    out.push({
      label: VOC_NAME[name] ?? name,
      box: ['xmin', 'ymin', 'xmax', 'ymax'].map((k) => Number(tag(k))),
    });
  }
  return out;
}

function iou(a: readonly number[], b: readonly number[]): number {
  const [ax1 = 0, ay1 = 0, ax2 = 0, ay2 = 0] = a;
  const [bx1 = 0, by1 = 0, bx2 = 0, by2 = 0] = b;
  const iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
  const ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const inter = iw * ih;
  return inter / ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter);
}

// Well-known content of the darknet sample photos.
const EXPECTED_CLASSES: Record<string, string[]> = {
  'person.jpg': ['person', 'dog'],
  'dog.jpg': ['dog', 'bicycle'],
  'horses.jpg': ['horse'],
};

for (const model of ['nanodet', 'centernet']) {
  const file = path.join(repoRoot, 'models', 'build', `${model}.onnx`);
  const have = existsSync(file);
  if (!have)
    console.warn(
      `SKIP: ${model} real-photo test: ${file} not built (run \`npx pretag models build\`)`,
    );

  describe.skipIf(!m.ok || !have)(`${model} on real photos`, () => {
    let det: Detector;
    beforeAll(async () => {
      det = await createDetector({ adapter: model, file, scoreThreshold: 0.3 });
    });
    afterAll(async () => {
      await det?.close();
    });

    it.each(Object.entries(EXPECTED_CLASSES))(
      'finds the expected classes in %s',
      async (name, classes) => {
        const dets = await det.detect(await readFile(media(`darknet-nogt/${name}`)));
        const found = new Set(dets.map((d) => d.label));
        for (const c of classes) expect(found, `${name}: ${[...found].join(', ')}`).toContain(c);
      },
    );

    it('answers overlapping calls each for its own photo, as it does one at a time', async () => {
      // The detector reuses its input buffer; a second call arriving mid-way must not share it.
      const [dog, horses] = await Promise.all(
        ['dog.jpg', 'horses.jpg'].map((n) => readFile(media(`darknet-nogt/${n}`))),
      );
      if (!dog || !horses) throw new Error('photos missing');
      const together = await Promise.all([det.detect(dog), det.detect(horses), det.detect(dog)]);
      const alone = [await det.detect(dog), await det.detect(horses)];
      expect(together).toEqual([alone[0], alone[1], alone[0]]);
      expect(new Set(together[0]?.map((d) => d.label))).toContain('bicycle');
      expect(new Set(together[1]?.map((d) => d.label))).toContain('horse');
    });

    it.each(VOC_IMAGES)('matches every ground-truth box of VOC %s with IoU ≥ 0.5', async (id) => {
      const gt = await vocObjects(media(`voc100/pascalvoc_xml/${id}.xml`));
      expect(gt.length).toBeGreaterThan(0);
      const dets = await det.detect(await readFile(media(`voc100/images/${id}.jpg`)));
      for (const g of gt) {
        const best = Math.max(
          0,
          ...dets.filter((d) => d.label === g.label).map((d) => iou(d.box, g.box)),
        );
        expect(best, `${id} ${g.label} [${g.box.join(',')}]`).toBeGreaterThanOrEqual(0.5);
      }
    });
  });
}
