// Face redaction on real frames. The privacy test: a person walking out of the indoor
// video shows his face in profile; after redaction the head region of the uploaded JPEG no longer
// matches the original, while a floor region far from him differs only by JPEG re-encode noise.
// Regions are located by eye on the extracted frame; the face detector and pre-filter are the
// packaged models. Bad frames come back as failures (never throws, never passes the original).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoxXYXY, Detection } from '@pretag/shared/detection/types';
import { createDetector } from '@pretag/shared/detector/onnx-detector';
import type { DecodedImage, Detector } from '@pretag/shared/detector/types';
import {
  createFaceDetector,
  parseRedactionOptions,
  redactFaces,
  type RedactResult,
} from '../../../edge-agent/src/privacy/index.ts';
import { needMedia, repoRoot } from '../../helpers/media.ts';

const run = promisify(execFile);

const m = needMedia('video/indoor-one-by-one-person.mp4', 'images/voc100/images/2007_000170.jpg');
const [VIDEO = '', PORTRAIT = ''] = m.paths;
const model = (name: string) => path.join(repoRoot, 'models', 'build', `${name}.onnx`);
const haveModels = ['blazeface-back', 'nanodet'].every((n) => existsSync(model(n)));
if (!haveModels)
  console.warn(
    `SKIP: redaction tests: ${model('blazeface-back')} or ${model('nanodet')} not built (run \`npx pretag models build\`)`,
  );

// Frame at 134.5 s (768×432): a man leaving to the right, face in profile with glasses.
// Located by eye: the person [405, 3, 610, 388], his head [544, 6, 605, 69], and an empty
// stretch of floor at the left [20, 280, 220, 420].
const FRAME_T = 134.5;
const PERSON: BoxXYXY = [405, 3, 610, 388];
const HEAD: BoxXYXY = [544, 6, 605, 69];
const FLOOR: BoxXYXY = [20, 280, 220, 420];
// VOC 2007_000170 (500×375): the man's face, and a stretch of blue wall at the top right.
const PORTRAIT_FACE: BoxXYXY = [178, 95, 295, 222];
const PORTRAIT_WALL: BoxXYXY = [400, 20, 490, 90];

async function rgb(jpeg: Buffer): Promise<DecodedImage> {
  const { data, info } = await sharp(jpeg)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** Mean absolute difference per channel value over a region (0..255). */
function meanAbsDiff(a: DecodedImage, b: DecodedImage, [x1, y1, x2, y2]: BoxXYXY): number {
  let sum = 0;
  let n = 0;
  for (let y = y1; y < y2; y++)
    for (let x = x1; x < x2; x++)
      for (let c = 0; c < 3; c++) {
        const i = (y * a.width + x) * 3 + c;
        sum += Math.abs((a.data[i] ?? 0) - (b.data[i] ?? 0));
        n++;
      }
  return sum / n;
}

/** Mean squared luminance step to the right and downward neighbours: fine detail. */
function detailEnergy(img: DecodedImage, [x1, y1, x2, y2]: BoxXYXY): number {
  const lum = (x: number, y: number) => {
    const i = (y * img.width + x) * 3;
    return (
      0.299 * (img.data[i] ?? 0) + 0.587 * (img.data[i + 1] ?? 0) + 0.114 * (img.data[i + 2] ?? 0)
    );
  };
  let sum = 0;
  let n = 0;
  for (let y = y1; y < y2 - 1; y++)
    for (let x = x1; x < x2 - 1; x++) {
      sum += (lum(x + 1, y) - lum(x, y)) ** 2 + (lum(x, y + 1) - lum(x, y)) ** 2;
      n++;
    }
  return sum / n;
}

function ok(r: RedactResult): Extract<RedactResult, { ok: true }> {
  if (!r.ok) throw new Error(`redaction failed at ${r.stage}: ${r.error}`);
  return r;
}

const person = (box: BoxXYXY): Detection => ({ label: 'person', score: 0.9, box });

describe.skipIf(!m.ok || !haveModels)('redactFaces on real frames', () => {
  let dir: string;
  let frame: Buffer;
  let original: DecodedImage;
  let faces: Detector;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pretag-redact-'));
    const file = path.join(dir, 'frame.jpg');
    await run('ffmpeg', [
      '-v',
      'error',
      '-ss',
      String(FRAME_T),
      '-i',
      VIDEO,
      '-frames:v',
      '1',
      '-q:v',
      '2',
      file,
    ]);
    frame = await readFile(file);
    original = await rgb(frame);
    faces = await createFaceDetector(model('blazeface-back'), parseRedactionOptions());
  });
  afterAll(async () => {
    await faces.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('extracted the expected frame', () => {
    expect([original.width, original.height]).toEqual([768, 432]);
  });

  for (const mode of ['pixelate', 'blur'] as const)
    it(`${mode}: the head no longer matches, the far floor is unchanged (hand-located person box)`, async () => {
      const r = ok(
        await redactFaces(frame, {
          detections: [person(PERSON)],
          faceDetector: faces,
          settings: { mode },
        }),
      );
      expect(r.redacted).toBe(true);
      expect(Buffer.isBuffer(r.image)).toBe(true);
      const out = await rgb(r.image as Buffer);
      expect([out.width, out.height]).toEqual([768, 432]);
      // JPEG re-encoding alone moves pixels by about 1 level; an obscured face by tens.
      expect(meanAbsDiff(original, out, HEAD)).toBeGreaterThan(15);
      expect(meanAbsDiff(original, out, FLOOR)).toBeLessThan(3);
      if (mode === 'blur')
        expect(detailEnergy(out, HEAD)).toBeLessThan(0.2 * detailEnergy(original, HEAD));
    });

  it('redacts the head found by the nanodet pre-filter', async () => {
    const det = await createDetector({ adapter: 'nanodet', file: model('nanodet') });
    try {
      const detections = await det.detect(frame);
      expect(detections.some((d) => d.label === 'person')).toBe(true);
      const r = ok(await redactFaces(frame, { detections, faceDetector: faces }));
      const out = await rgb(r.image as Buffer);
      expect(meanAbsDiff(original, out, HEAD)).toBeGreaterThan(15);
      expect(meanAbsDiff(original, out, FLOOR)).toBeLessThan(3);
    } finally {
      await det.close();
    }
  });

  it('redacts a near face found by the face detector alone', async () => {
    const jpeg = await readFile(PORTRAIT);
    const r = ok(await redactFaces(jpeg, { faceDetector: faces }));
    expect(r.faces.length).toBeGreaterThanOrEqual(1);
    const [before, after] = [await rgb(jpeg), await rgb(r.image as Buffer)];
    expect(meanAbsDiff(before, after, PORTRAIT_FACE)).toBeGreaterThan(15);
    expect(meanAbsDiff(before, after, PORTRAIT_WALL)).toBeLessThan(3);
  });

  it('takes and returns raw RGB', async () => {
    const r = ok(await redactFaces(original, { detections: [person(PERSON)], output: 'raw' }));
    const out = r.image as DecodedImage;
    expect([out.width, out.height, out.data.length]).toEqual([768, 432, 768 * 432 * 3]);
    expect(meanAbsDiff(original, out, HEAD)).toBeGreaterThan(15);
    // No re-encode on the raw path: pixels away from the head are identical.
    expect(meanAbsDiff(original, out, FLOOR)).toBe(0);
  });

  it('passes the frame through untouched when the camera has redact_faces off', async () => {
    const r = ok(
      await redactFaces(frame, { detections: [person(PERSON)], settings: { enabled: false } }),
    );
    expect(r.redacted).toBe(false);
    expect((r.image as Buffer).equals(frame)).toBe(true);
  });

  it('returns the original bytes when there is nothing to redact', async () => {
    const r = ok(await redactFaces(frame, { detections: [] }));
    expect(r.redacted).toBe(true);
    expect(r.regions).toEqual([]);
    expect((r.image as Buffer).equals(frame)).toBe(true);
  });

  it('fails, rather than passing the frame on, when the face detector fails', async () => {
    const closed = await createDetector({ adapter: 'blazeface', file: model('blazeface-back') });
    await closed.close();
    const r = await redactFaces(frame, { detections: [person(PERSON)], faceDetector: closed });
    expect(r).toMatchObject({ ok: false, stage: 'faces' });
  });
});

describe('redactFaces on bad input', () => {
  it('reports an empty buffer', async () => {
    expect(await redactFaces(Buffer.alloc(0))).toEqual({
      ok: false,
      stage: 'decode',
      error: 'cannot decode an empty image buffer',
    });
  });

  it('reports bytes that are not an image', async () => {
    const r = await redactFaces(Buffer.from('this is not a JPEG'));
    expect(r).toMatchObject({ ok: false, stage: 'decode' });
    expect(!r.ok && r.error).toMatch(/cannot decode image \(18 bytes\)/);
  });

  it('reports raw pixels of the wrong size', async () => {
    const r = await redactFaces({ width: 4, height: 4, data: new Uint8Array(10) });
    expect(r).toMatchObject({ ok: false, stage: 'decode' });
    expect(!r.ok && r.error).toMatch(/needs 48 bytes, got 10/);
  });

  it('reports a person box with no usable corners', async () => {
    const img = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) };
    const r = await redactFaces(img, { detections: [person([Number.NaN, 0, 4, 4])] });
    expect(r).toMatchObject({ ok: false, stage: 'plan' });
    expect(!r.ok && r.error).toMatch(/non-finite corner/);
  });

  it('reports bad options by key', async () => {
    const img = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) };
    const r = await redactFaces(img, { settings: { strength: 0 } });
    expect(r).toMatchObject({ ok: false, stage: 'options' });
    expect(!r.ok && r.error).toMatch(/strength/);
  });
});
