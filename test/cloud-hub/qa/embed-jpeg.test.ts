// Embeddings of real JPEGs: the diversity stage needs frames of one scene to sit closer together
// than frames of different scenes. Frames are cut from the shared videos with ffmpeg.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { embeddingFromJpeg } from '../../../cloud-hub/src/qa/embed-jpeg.ts';
import { EMBEDDING_LENGTH } from '../../../cloud-hub/src/qa/embedding.ts';
import { needMedia } from '../../helpers/media.ts';

const m = needMedia('video/indoor-one-by-one-person.mp4', 'video/campus-pedestrians-vtest.avi');

function jpegAt(video: string, seconds: number): Buffer {
  return execFileSync(
    'ffmpeg',
    ['-v', 'error', '-ss', String(seconds), '-i', video, '-frames:v', '1', '-f', 'mjpeg', '-'],
    { maxBuffer: 16 << 20 },
  );
}

function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return Math.sqrt(s);
}

describe.skipIf(!m.ok)('QA embeddings of stored JPEGs', () => {
  it('puts two frames of one scene closer together than frames of two scenes', async () => {
    const [indoor = '', campus = ''] = m.paths;
    const a = await embeddingFromJpeg(jpegAt(indoor, 1));
    const b = await embeddingFromJpeg(jpegAt(indoor, 3));
    const c = await embeddingFromJpeg(jpegAt(campus, 1));
    if (!a || !b || !c) throw new Error('no embedding for a real JPEG');
    expect(a.length).toBe(EMBEDDING_LENGTH);
    // Each half is scaled to 1/√2, so a textured image's vector has length 1.
    expect(Math.hypot(...a)).toBeCloseTo(1, 3);
    expect(distance(a, b)).toBeLessThan(distance(a, c) / 2);
  });

  it('gives no embedding for bytes that are not an image', async () => {
    expect(await embeddingFromJpeg(Buffer.from('not a jpeg'))).toBeUndefined();
  });
});
