import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type {
  CalibrationFeeds,
  RgbFrame,
} from '../../../models/src/quantize/calibration-source.ts';
import {
  imageFolderCalibrationSource,
  videoCalibrationSource,
  videoFrames,
} from '../../../models/src/quantize/calibration-source.ts';
import { needMedia } from '../../helpers/media.ts';

async function collect(it: AsyncIterable<CalibrationFeeds>): Promise<CalibrationFeeds[]> {
  const out: CalibrationFeeds[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const sizeTensor = (f: RgbFrame): ort.Tensor =>
  new ort.Tensor('float32', Float32Array.of(f.width, f.height, f.data.length), [3]);
const dimsOf = (feeds: CalibrationFeeds[]): number[][] =>
  feeds.map((t) => [...((t as ort.Tensor).data as Float32Array)]);

// media/README.md: warehouse-worker-zone.mp4 is 480×270, 15 fps, 71 frames, 4.7 s.
const video = needMedia('video/warehouse-worker-zone.mp4');
describe.skipIf(!video.ok)('video calibration frames (ffmpeg)', () => {
  it('samples the requested number of RGB frames spread over the video', async () => {
    const frames: RgbFrame[] = [];
    for await (const f of videoFrames(video.paths[0]!, 6)) frames.push(f);
    expect(frames).toHaveLength(6);
    for (const f of frames)
      expect([f.width, f.height, f.data.length]).toEqual([480, 270, 480 * 270 * 3]);
    expect(Buffer.compare(Buffer.from(frames[0]!.data), Buffer.from(frames[5]!.data))).not.toBe(0);
  });

  it('feeds each frame through the caller’s preprocessing', async () => {
    const src = videoCalibrationSource({
      files: video.paths,
      count: 4,
      fps: 15,
      preprocess: sizeTensor,
    });
    expect(dimsOf(await collect(src.feeds()))).toEqual(Array(4).fill([480, 270, 480 * 270 * 3]));
  });

  it('reports an unreadable video clearly', async () => {
    const src = videoCalibrationSource({
      files: ['/nonexistent/clip.mp4'],
      count: 2,
      preprocess: sizeTensor,
    });
    await expect(collect(src.feeds())).rejects.toThrow(
      /ffprobe cannot read \/nonexistent\/clip\.mp4/,
    );
  });
});

// Sizes from `file(1)`: dog 768×576, giraffe 500×500, horses 773×512, kite 1352×900, person 640×424.
const images = needMedia('images/darknet-nogt/dog.jpg');
describe.skipIf(!images.ok)('image-folder calibration frames (sharp)', () => {
  it('takes evenly spaced images in name order', async () => {
    const dir = path.dirname(images.paths[0]!);
    const src = imageFolderCalibrationSource({ dir, count: 3, preprocess: sizeTensor });
    expect(dimsOf(await collect(src.feeds()))).toEqual([
      [768, 576, 768 * 576 * 3],
      [500, 500, 500 * 500 * 3],
      [1352, 900, 1352 * 900 * 3],
    ]);
  });
});

describe('image-folder calibration errors', () => {
  it('skips an undecodable image and says so; fails on a folder without images', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pretag-calib-'));
    try {
      await expect(
        collect(imageFolderCalibrationSource({ dir, count: 2, preprocess: sizeTensor }).feeds()),
      ).rejects.toThrow(/no images in/);
      await writeFile(path.join(dir, 'a-broken.jpg'), 'not a jpeg');
      await sharp({ create: { width: 7, height: 5, channels: 3, background: '#808080' } })
        .png()
        .toFile(path.join(dir, 'b-grey.png'));
      const skipped: string[] = [];
      const src = imageFolderCalibrationSource({
        dir,
        count: 5,
        preprocess: sizeTensor,
        onSkip: (f) => skipped.push(path.basename(f)),
      });
      expect(dimsOf(await collect(src.feeds()))).toEqual([[7, 5, 105]]);
      expect(skipped).toEqual(['a-broken.jpg']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
