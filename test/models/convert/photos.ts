// Real photos turned into model inputs the way MODELS.md says each model wants them.
import sharp from 'sharp';

export interface Photo {
  rgb: Buffer;
  width: number;
  height: number;
}

/** Plain bilinear stretch to w×h, RGB bytes. */
export async function stretchRgb(file: string, w: number, h: number): Promise<Photo> {
  const rgb = await sharp(file).removeAlpha().resize(w, h, { fit: 'fill' }).raw().toBuffer();
  return { rgb, width: w, height: h };
}

/** CenterNet: RGB 0..255 NHWC. */
export function centernetInput(p: Photo): Float32Array {
  return Float32Array.from(p.rgb);
}

/** NanoDet: BGR, (x − mean) / std, NCHW. */
export function nanodetInput(p: Photo): Float32Array {
  const mean = [103.53, 116.28, 123.675];
  const std = [57.375, 57.12, 58.395];
  const n = p.width * p.height;
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < n; i++)
      out[c * n + i] = ((p.rgb[i * 3 + (2 - c)] ?? 0) - (mean[c] ?? 0)) / (std[c] ?? 1);
  return out;
}

/** BlazeFace: RGB scaled to −1..1 NHWC. */
export function blazefaceInput(p: Photo): Float32Array {
  return Float32Array.from(p.rgb, (v) => v / 127.5 - 1);
}
