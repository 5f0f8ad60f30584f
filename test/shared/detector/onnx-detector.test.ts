// createDetector end to end through real ONNX Runtime, with a graph whose outputs are fixed
// numbers, so the expected boxes in original pixels can be worked out by hand.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectorConfigFromModel } from '@pretag/shared/detector/from-model-config';
import { createDetector } from '@pretag/shared/detector/onnx-detector';
import { constantOutputModel } from './onnx-fixtures.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pretag-detector-'));
  // YOLO-style output [1, 4+2, 2] for classes helmet, vest, attribute-major. Anchor 0 is a vest at
  // centre (32, 32), size 32×16 in the 64×64 letterboxed input → [16, 24, 48, 40]; anchor 1 is noise.
  const values = [32, 5, 32, 5, 32, 2, 16, 2, 0.1, 0.05, 0.9, 0.05];
  await writeFile(
    path.join(dir, 'yolo.onnx'),
    constantOutputModel({ name: 'images', dims: [1, 3, 64, 64] }, [
      { name: 'output0', dims: [1, 6, 2], values },
    ]),
  );
  await writeFile(path.join(dir, 'classes.txt'), 'helmet\nvest\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createDetector (yolo adapter, letterbox)', () => {
  it('maps a letterboxed box back to original pixels for a JPEG and for a raw frame', async () => {
    const det = await createDetector(
      {
        adapter: 'yolo',
        file: 'yolo.onnx',
        classesFile: 'classes.txt',
        input: { width: 64, height: 64 },
      },
      { baseDir: dir },
    );
    expect(det.info).toMatchObject({
      modelId: 'yolo',
      adapter: 'yolo',
      inputName: 'images',
      outputNames: ['output0'],
    });
    expect(det.info.classes).toEqual(['helmet', 'vest']);
    expect(det.info.providersUsed).toEqual(['cpu']);
    // 200×100 letterboxed into 64×64: scale 0.32, 16-px bands top and bottom.
    // [16, 24, 48, 40] → [16/0.32, (24−16)/0.32, 48/0.32, (40−16)/0.32] = [50, 25, 150, 75].
    const jpeg = await sharp({
      create: { width: 200, height: 100, channels: 3, background: '#808080' },
    })
      .jpeg()
      .toBuffer();
    const frame = { width: 200, height: 100, data: new Uint8Array(200 * 100 * 3).fill(128) };
    const [a, b] = await det.detectBatch([jpeg, frame]);
    for (const dets of [a, b]) {
      expect(dets).toHaveLength(1);
      expect(dets?.[0]?.label).toBe('vest');
      expect(dets?.[0]?.score).toBeCloseTo(0.9, 6);
      [50, 25, 150, 75].forEach((v, i) => expect(dets?.[0]?.box[i]).toBeCloseTo(v, 4));
    }
    await det.close();
  });

  it('reports bad config, unknown adapters and bad images clearly', async () => {
    await expect(
      createDetector({ adapter: 'yolo', file: 'yolo.onnx', scoreThreshold: 2 }, { baseDir: dir }),
    ).rejects.toThrow(/invalid detector config:[\s\S]*scoreThreshold/);
    await expect(
      createDetector({ adapter: 'ssd', file: 'yolo.onnx' }, { baseDir: dir }),
    ).rejects.toThrow('unknown detector adapter "ssd"');
    await expect(
      createDetector({ adapter: 'yolo', file: 'missing.onnx' }, { baseDir: dir }),
    ).rejects.toThrow(/cannot load ONNX model .*missing\.onnx/);
    const det = await createDetector(
      {
        adapter: 'yolo',
        file: 'yolo.onnx',
        classes: ['helmet', 'vest'],
        input: { width: 64, height: 64 },
      },
      { baseDir: dir },
    );
    await expect(det.detect(Buffer.from('garbage'))).rejects.toThrow(/cannot decode image/);
    await expect(det.detect({ width: 10, height: 10, data: new Uint8Array(5) })).rejects.toThrow(
      'RGB frame of 10×10 needs 300 bytes, got 5',
    );
    // The default COCO-80 class list does not fit a 2-class output: say so instead of guessing.
    const coco = await createDetector(
      { adapter: 'yolo', file: 'yolo.onnx', input: { width: 64, height: 64 } },
      { baseDir: dir },
    );
    await expect(coco.detect({ width: 4, height: 4, data: new Uint8Array(48) })).rejects.toThrow(
      /expected an output \[1,84,N\]/,
    );
    await Promise.all([det.close(), coco.close()]);
  });
});

describe('detectorConfigFromModel (edge.yaml model block)', () => {
  it('carries adapter, classes, resize, threads and TensorRT precision into a working detector', async () => {
    const block = {
      adapter: 'yolo',
      classes: ['helmet', 'vest'],
      providers: ['tensorrt', 'cpu'] as const,
      tensorrt: { precision: 'int8' as const, engine_cache: '/var/cache/pretag/trt' },
      resize: 'letterbox' as const,
      threads: 1,
    };
    const cfg = detectorConfigFromModel(
      { ...block, providers: [...block.providers] },
      path.join(dir, 'yolo.onnx'),
      'helmets',
    );
    expect(cfg.session).toEqual({
      providers: [
        { name: 'tensorrt', int8: true, fp16: true, engineCachePath: '/var/cache/pretag/trt' },
        'cpu',
      ],
      intraOpThreads: 1,
    });
    const det = await createDetector({ ...cfg, input: { ...cfg.input, width: 64, height: 64 } });
    expect(det.info.modelId).toBe('helmets');
    expect(det.info.providersRequested).toEqual(['tensorrt', 'cpu']);
    expect(det.info.providersUsed).toEqual(['cpu']);
    const dets = await det.detect({ width: 200, height: 100, data: new Uint8Array(200 * 100 * 3) });
    expect(dets.map((d) => d.label)).toEqual(['vest']);
    await det.close();
  });
});
