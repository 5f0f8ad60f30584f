// Resize plans, tensor packing and the inverse box mapping, checked against hand arithmetic.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, prepareInput } from '@pretag/shared/detector/image';
import { boxToOriginal, packTensor, planResize } from '@pretag/shared/detector/preprocess';
import type { InputSpec } from '@pretag/shared/detector/types';

const spec = (over: Partial<InputSpec>): InputSpec => ({
  width: 64,
  height: 64,
  resize: 'stretch',
  padValue: 0,
  channelOrder: 'rgb',
  layout: 'nchw',
  scale: 1,
  mean: [0, 0, 0],
  std: [1, 1, 1],
  ...over,
});

describe('planResize', () => {
  it('letterboxes 200×100 into 64×64: scale 0.32, image 64×32, 16 px bands top and bottom', () => {
    const p = planResize(200, 100, spec({ resize: 'letterbox' }));
    expect([p.resizedWidth, p.resizedHeight, p.tensorWidth, p.tensorHeight]).toEqual([
      64, 32, 64, 64,
    ]);
    expect(p.transform).toEqual({
      scaleX: 0.32,
      scaleY: 0.32,
      padX: 0,
      padY: 16,
      width: 200,
      height: 100,
    });
    // Network box [16, 24, 48, 40] → x/0.32, (y − 16)/0.32 → [50, 25, 150, 75].
    expect(boxToOriginal([16, 24, 48, 40], p.transform)).toEqual([50, 25, 150, 75]);
  });

  it('letterboxes a tall 90×300 image into 416×416 with rounding: width round(124.8) = 125, pad 145 left', () => {
    const p = planResize(90, 300, spec({ width: 416, height: 416, resize: 'letterbox' }));
    expect([p.resizedWidth, p.resizedHeight]).toEqual([125, 416]);
    expect(p.transform.padX).toBe(145); // floor((416 − 125) / 2)
    // The right edge of the image content (145 + 125 = 270) maps back to exactly 90.
    expect(boxToOriginal([145, 0, 270, 416], p.transform)).toEqual([0, 0, 90, 300]);
  });

  it('stretches x and y independently and clips mapped boxes to the image', () => {
    const p = planResize(640, 480, spec({ width: 320, height: 320, resize: 'stretch' }));
    expect(p.transform).toMatchObject({ scaleX: 0.5, scaleY: 320 / 480, padX: 0, padY: 0 });
    expect(boxToOriginal([10, 20, 400, 330], p.transform)).toEqual([20, 30, 640, 480]);
  });

  it('fits the longer side for dynamic-size models, and passes the size through for none', () => {
    const fit = planResize(768, 576, spec({ width: 320, height: 320, resize: 'fit' }));
    expect([fit.tensorWidth, fit.tensorHeight]).toEqual([320, 240]);
    const none = planResize(768, 576, spec({ resize: 'none' }));
    expect([none.tensorWidth, none.tensorHeight, none.transform.scaleX]).toEqual([768, 576, 1]);
  });

  it('refuses an empty image', () => {
    expect(() => planResize(0, 10, spec({}))).toThrow('image size must be positive, got 0×10');
  });
});

describe('packTensor', () => {
  // Two pixels: (10, 20, 30) and (40, 50, 60).
  const img = { width: 2, height: 1, data: Uint8Array.from([10, 20, 30, 40, 50, 60]) };

  it('packs BGR NCHW with NanoDet mean/std', () => {
    const s = spec({
      width: 2,
      height: 1,
      channelOrder: 'bgr',
      mean: [103.53, 116.28, 123.675],
      std: [57.375, 57.12, 58.395],
    });
    const t = packTensor(img, planResize(2, 1, s), s);
    expect(t.dims).toEqual([1, 3, 1, 2]);
    const expected = [
      (30 - 103.53) / 57.375,
      (60 - 103.53) / 57.375,
      (20 - 116.28) / 57.12,
      (50 - 116.28) / 57.12,
      (10 - 123.675) / 58.395,
      (40 - 123.675) / 58.395,
    ];
    expected.forEach((v, i) => expect(t.data[i]).toBeCloseTo(v, 5));
  });

  it('packs RGB NHWC unnormalised (CenterNet) and CHW 0..1 (torchvision)', () => {
    const nhwc = spec({ width: 2, height: 1, layout: 'nhwc' });
    const a = packTensor(img, planResize(2, 1, nhwc), nhwc);
    expect(a.dims).toEqual([1, 1, 2, 3]);
    expect(Array.from(a.data)).toEqual([10, 20, 30, 40, 50, 60]);
    const chw = spec({ resize: 'none', layout: 'chw', scale: 1 / 255 });
    const b = packTensor(img, planResize(2, 1, chw), chw);
    expect(b.dims).toEqual([3, 1, 2]);
    [10, 40, 20, 50, 30, 60].forEach((v, i) => expect(b.data[i]).toBeCloseTo(v / 255, 6));
  });

  it('fills letterbox bands with the pad value after normalisation', () => {
    // 2×1 into 2×2 letterbox: image row at y = 0 (pad top floor(1/2) = 0), pad row y = 1 = 114/255.
    const s = spec({ width: 2, height: 2, resize: 'letterbox', padValue: 114, scale: 1 / 255 });
    const t = packTensor(img, planResize(2, 1, s), s);
    // Red plane: row 0 = 10/255, 40/255; row 1 = pad.
    [10 / 255, 40 / 255, 114 / 255, 114 / 255].forEach((v, i) =>
      expect(t.data[i]).toBeCloseTo(v, 6),
    );
  });

  it('packs into a buffer given for reuse, overwriting what an earlier image left there', () => {
    // 2×2 letterbox, pad 114/255: first a 2×2 image fills the whole tensor with 250/255, then the
    // 2×1 image must leave row 1 as pad again, not as the old image.
    const s = spec({ width: 2, height: 2, resize: 'letterbox', padValue: 114, scale: 1 / 255 });
    const out = new Float32Array(12);
    const full = { width: 2, height: 2, data: new Uint8Array(12).fill(250) };
    expect(packTensor(full, planResize(2, 2, s), s, out).data).toBe(out);
    out.forEach((v) => expect(v).toBeCloseTo(250 / 255, 6));
    packTensor(img, planResize(2, 1, s), s, out);
    [10 / 255, 40 / 255, 114 / 255, 114 / 255].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 6));
    expect(() => packTensor(img, planResize(2, 1, s), s, new Float32Array(6))).toThrow(
      'tensor buffer has 6 elements, the plan needs 12',
    );
  });

  it('rejects a frame whose byte count does not match its size', () => {
    const bad = { width: 4, height: 4, data: new Uint8Array(40) };
    const s = spec({ width: 4, height: 4 });
    expect(() => packTensor(bad, planResize(4, 4, s), s)).toThrow(
      'RGB frame of 4×4 needs 48 bytes, got 40',
    );
  });
});

describe('decoding and preparing real encoded images', () => {
  it('decodes a PNG to RGB and resizes a solid colour without changing it', async () => {
    const png = await sharp({
      create: {
        width: 40,
        height: 20,
        channels: 4,
        background: { r: 200, g: 100, b: 50, alpha: 1 },
      },
    })
      .png()
      .toBuffer();
    const img = await decodeImage(png);
    expect([img.width, img.height, img.data.length]).toEqual([40, 20, 40 * 20 * 3]);
    const p = await prepareInput(
      png,
      spec({ width: 16, height: 16, resize: 'letterbox', padValue: 0 }),
    );
    // 40×20 → 16×8, pad 4 rows top: (0, 0) is pad (0), (0, 4) is image red = 200.
    expect(p.data[0]).toBe(0);
    expect(p.data[4 * 16]).toBe(200);
    expect(p.data[16 * 16 + 4 * 16]).toBe(100); // green plane
  });

  it('gives a clear error for bytes that are not an image', async () => {
    await expect(decodeImage(Buffer.from('not an image at all'))).rejects.toThrow(
      /cannot decode image \(19 bytes\)/,
    );
    await expect(decodeImage(Buffer.alloc(0))).rejects.toThrow(
      'cannot decode an empty image buffer',
    );
  });
});
