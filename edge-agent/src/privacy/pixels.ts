// The sharp (libvips) side of redaction: cut each rectangle out, blur or pixelate it, and paste
// it back. Works on raw RGB so a JPEG is decoded and encoded exactly once.
import type { DecodedImage } from '@pretag/shared/detector/types';
import sharp from 'sharp';
import type { Rect } from './plan.ts';

export type RedactionMode = 'blur' | 'pixelate';

/** Blur sigma or block side in pixels for a region: strength × shorter side, at least 2. */
export function effectSize(rect: Rect, strength: number): number {
  return Math.max(2, strength * Math.min(rect.width, rect.height));
}

async function obscure(
  img: DecodedImage,
  rect: Rect,
  mode: RedactionMode,
  strength: number,
): Promise<Buffer> {
  const raw = { width: img.width, height: img.height, channels: 3 as const };
  const region = sharp(img.data, { raw }).extract(rect);
  const size = effectSize(rect, strength);
  if (mode === 'blur') return region.blur(size).raw().toBuffer();
  // Block means by area-averaging down, then hard edges back up to the exact region size.
  const small = await region
    .resize(
      Math.max(1, Math.round(rect.width / size)),
      Math.max(1, Math.round(rect.height / size)),
      { fit: 'fill', kernel: 'linear' },
    )
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(small.data, { raw: { ...small.info, channels: 3 } })
    .resize(rect.width, rect.height, { fit: 'fill', kernel: 'nearest' })
    .raw()
    .toBuffer();
}

/** A copy of `img` with every rectangle obscured. Rectangles must lie inside the image. */
export async function obscureRegions(
  img: DecodedImage,
  rects: readonly Rect[],
  mode: RedactionMode,
  strength: number,
): Promise<DecodedImage> {
  if (rects.length === 0) return img;
  const patches = await Promise.all(rects.map((r) => obscure(img, r, mode, strength)));
  const raw = { width: img.width, height: img.height, channels: 3 as const };
  const data = await sharp(img.data, { raw })
    .composite(
      patches.map((p, i) => {
        const r = rects[i] as Rect;
        return {
          input: p,
          raw: { width: r.width, height: r.height, channels: 3 as const },
          left: r.left,
          top: r.top,
        };
      }),
    )
    // Compositing adds an alpha channel; the frame stays RGB.
    .removeAlpha()
    .raw()
    .toBuffer();
  if (data.length !== img.data.length)
    throw new Error(
      `composite returned ${data.length} bytes for a ${img.width}×${img.height} RGB frame`,
    );
  return {
    width: img.width,
    height: img.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

export async function encodeJpeg(img: DecodedImage, quality: number): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}
