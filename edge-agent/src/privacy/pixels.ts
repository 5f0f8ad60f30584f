// Obscuring the planned rectangles of a raw RGB frame, and the JPEG encoding. Pixelation is
// block means computed here (head regions are small, and a libvips pipeline per region costs
// more than the arithmetic); blur is libvips' Gaussian through sharp. A JPEG is decoded and
// encoded exactly once.
import type { DecodedImage } from '@pretag/shared/detector/types';
import sharp from 'sharp';
import type { Rect } from './plan.ts';

export type RedactionMode = 'blur' | 'pixelate';

/** Blur sigma or block side in pixels for a region: strength × shorter side, at least 2. */
export function effectSize(rect: Rect, strength: number): number {
  return Math.max(2, strength * Math.min(rect.width, rect.height));
}

/**
 * Pixelates one rectangle of an RGB image in place: the rectangle is cut into round(w / size) ×
 * round(h / size) blocks (at least one), edges on whole pixels, and each block takes its mean
 * colour (rounded).
 */
export function pixelateRegion(data: Uint8Array, width: number, rect: Rect, size: number): void {
  const bw = Math.max(1, Math.round(rect.width / size));
  const bh = Math.max(1, Math.round(rect.height / size));
  for (let by = 0; by < bh; by++) {
    const y0 = rect.top + Math.floor((by * rect.height) / bh);
    const y1 = rect.top + Math.floor(((by + 1) * rect.height) / bh);
    for (let bx = 0; bx < bw; bx++) {
      const x0 = rect.left + Math.floor((bx * rect.width) / bw);
      const x1 = rect.left + Math.floor(((bx + 1) * rect.width) / bw);
      let r = 0;
      let g = 0;
      let b = 0;
      for (let y = y0; y < y1; y++)
        for (let i = (y * width + x0) * 3, end = (y * width + x1) * 3; i < end; i += 3) {
          r += data[i] as number;
          g += data[i + 1] as number;
          b += data[i + 2] as number;
        }
      const n = (y1 - y0) * (x1 - x0);
      const [mr, mg, mb] = [Math.round(r / n), Math.round(g / n), Math.round(b / n)];
      for (let y = y0; y < y1; y++)
        for (let i = (y * width + x0) * 3, end = (y * width + x1) * 3; i < end; i += 3) {
          data[i] = mr;
          data[i + 1] = mg;
          data[i + 2] = mb;
        }
    }
  }
}

function checkInside(img: DecodedImage, r: Rect): void {
  const ok = (v: number) => Number.isInteger(v) && v >= 0;
  if (
    !ok(r.left) ||
    !ok(r.top) ||
    !(r.width > 0 && r.height > 0) ||
    r.left + r.width > img.width ||
    r.top + r.height > img.height
  )
    throw new RangeError(
      `region ${JSON.stringify(r)} is not inside the ${img.width}×${img.height} frame`,
    );
}

async function blurred(img: DecodedImage, rect: Rect, strength: number): Promise<Buffer> {
  const raw = { width: img.width, height: img.height, channels: 3 as const };
  return sharp(img.data, { raw }).extract(rect).blur(effectSize(rect, strength)).raw().toBuffer();
}

/** A copy of `img` with every rectangle obscured. Rectangles must lie inside the image. */
export async function obscureRegions(
  img: DecodedImage,
  rects: readonly Rect[],
  mode: RedactionMode,
  strength: number,
): Promise<DecodedImage> {
  if (rects.length === 0) return img;
  for (const r of rects) checkInside(img, r);
  const data = new Uint8Array(img.data);
  if (mode === 'pixelate')
    for (const r of rects) pixelateRegion(data, img.width, r, effectSize(r, strength));
  else {
    const patches = await Promise.all(rects.map((r) => blurred(img, r, strength)));
    patches.forEach((p, k) => {
      const r = rects[k] as Rect;
      if (p.length !== r.width * r.height * 3)
        throw new Error(`blur returned ${p.length} bytes for a ${r.width}×${r.height} region`);
      for (let y = 0; y < r.height; y++)
        data.set(
          p.subarray(y * r.width * 3, (y + 1) * r.width * 3),
          ((r.top + y) * img.width + r.left) * 3,
        );
    });
  }
  return { width: img.width, height: img.height, data };
}

export async function encodeJpeg(img: DecodedImage, quality: number): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}
