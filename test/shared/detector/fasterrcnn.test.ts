// The torchvision-fasterrcnn adapter against a real torchvision export (models/recipes/fasterrcnn).
// Debian's python3-torchvision exports one with random weights in ≈20 s; it is cached in the OS
// temp folder. PRETAG_FASTERRCNN_ONNX points at another export (e.g. one with pretrained weights).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COCO_CATEGORIES } from '@pretag/shared/coco/categories';
import { createDetector } from '@pretag/shared/detector/onnx-detector';
import type { Detector } from '@pretag/shared/detector/types';
import { needMedia, repoRoot } from '../../helpers/media.ts';

const PYTHON = '/usr/bin/python3';
const recipe = path.join(repoRoot, 'models', 'recipes', 'fasterrcnn', 'export_fasterrcnn.py');
const cached = path.join(os.tmpdir(), 'pretag-test-cache', 'fasterrcnn-r50fpn-random-320.onnx');

/** An export to use, or one the recipe can make here; otherwise why not. */
function locateExport(): { file?: string; needsExport: boolean; reason: string } {
  const env = process.env.PRETAG_FASTERRCNN_ONNX;
  if (env)
    return existsSync(env)
      ? { file: env, needsExport: false, reason: '' }
      : { needsExport: false, reason: `PRETAG_FASTERRCNN_ONNX=${env} does not exist` };
  if (existsSync(cached)) return { file: cached, needsExport: false, reason: '' };
  const probe = spawnSync(PYTHON, ['-c', 'import torchvision'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return {
      needsExport: false,
      reason: `no FasterRCNN export and ${PYTHON} cannot import torchvision (apt-get install python3-torchvision)`,
    };
  }
  return { file: cached, needsExport: true, reason: '' };
}

/** Random-weight export at 320 px (≈20 s on an idle 2-core machine), written atomically. */
function exportRandom(): void {
  mkdirSync(path.dirname(cached), { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  const args = [
    recipe,
    '--random-weights',
    '--output',
    tmp,
    '--min-size',
    '320',
    '--max-size',
    '320',
    '--trace-size',
    '240',
    '320',
  ];
  const run = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0)
    throw new Error(`FasterRCNN export failed (${run.status}): ${run.stderr.slice(-800)}`);
  renameSync(tmp, cached);
}

const m = needMedia('images/darknet-nogt/dog.jpg');
const found = m.ok ? locateExport() : { needsExport: false, reason: m.reason };
if (!found.file) console.warn(`SKIP: FasterRCNN adapter test: ${found.reason}`);

// One thread: ORT's spinning worker threads crawl when other tests share the 2 cores.
const session = { intraOpThreads: 1 };

// COCO ids the 91-slot torchvision list leaves empty (0 = background).
const UNUSED = new Set([0, 12, 26, 29, 30, 45, 66, 68, 69, 71, 83]);

describe.skipIf(!found.file)(
  'torchvision-fasterrcnn adapter on a real export',
  { timeout: 300_000 },
  () => {
    const file = found.file ?? '';
    const dogPath = m.paths[0] ?? '';
    let det: Detector;
    beforeAll(async () => {
      if (found.needsExport && !existsSync(file)) exportRandom();
      det = await createDetector({
        adapter: 'torchvision-fasterrcnn',
        file,
        input: { resize: 'none' },
        scoreThreshold: 0,
        session,
      });
    });
    afterAll(async () => {
      await det?.close();
    });

    it('returns the export’s own boxes with COCO names when fed the original size', async () => {
      // Reference: run the session directly on a [3, H, W] 0..1 tensor built here.
      const { data, info } = await sharp(dogPath)
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const { width: W, height: H } = info;
      const chw = new Float32Array(3 * W * H);
      for (let i = 0; i < W * H; i++)
        for (let c = 0; c < 3; c++) chw[c * W * H + i] = (data[i * 3 + c] ?? 0) / 255;
      const ref = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
      const raw = await ref.run({ images: new ort.Tensor('float32', chw, [3, H, W]) });
      await ref.release();
      const labels = Array.from(raw.labels?.data as BigInt64Array, Number);
      const scores = raw.scores?.data as Float32Array;
      const boxes = raw.boxes?.data as Float32Array;
      const expected = labels
        .map((l, i) => ({ l, i }))
        .filter(({ l }) => !UNUSED.has(l))
        .map(({ l, i }) => ({
          label: COCO_CATEGORIES.find((c) => c.id === l)?.name,
          score: scores[i] ?? NaN,
          box: Array.from(boxes.subarray(i * 4, i * 4 + 4)),
        }));
      expect(expected.length).toBeGreaterThan(0);

      const dets = await det.detect(await readFile(dogPath));
      expect(dets.map((d) => d.label)).toEqual(expected.map((e) => e.label));
      dets.forEach((d, i) => {
        expect(d.score).toBeCloseTo(expected[i]?.score ?? NaN, 4);
        d.box.forEach((v, k) => expect(v).toBeCloseTo(expected[i]?.box[k] ?? NaN, 2));
      });
      expect(det.info.providersUsed).toEqual(['cpu']);
    });

    it('maps boxes back to original pixels when the image is shrunk first (fit to 320)', async () => {
      const small = await createDetector({
        adapter: 'torchvision-fasterrcnn',
        file,
        input: { width: 320, height: 320 },
        scoreThreshold: 0,
        session,
      });
      const dets = await small.detect({ ...(await rgb(dogPath)) });
      await small.close();
      expect(dets.length).toBeGreaterThan(0);
      const known = new Set(COCO_CATEGORIES.map((c) => c.name));
      for (const d of dets) {
        expect(known.has(d.label)).toBe(true);
        expect(d.box[0]).toBeGreaterThanOrEqual(0);
        expect(d.box[1]).toBeGreaterThanOrEqual(0);
        expect(d.box[2]).toBeLessThanOrEqual(768);
        expect(d.box[3]).toBeLessThanOrEqual(576);
        expect(d.box[2]).toBeGreaterThan(d.box[0]);
        expect(d.box[3]).toBeGreaterThan(d.box[1]);
      }
      // The network saw 320×240; boxes reaching past that prove the ×2.4 mapping happened.
      expect(Math.max(...dets.map((d) => d.box[2]))).toBeGreaterThan(320);
    });
  },
);

async function rgb(file: string) {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}
