// A small grey thumbnail of a frame, to tell a near-copy from new content by its pixels.
// Area averaging removes sensor noise and compression blocks before the comparison.
import { analysisSize, checkGrayFrame, downscale } from '../gate/gray-frame.ts';
import type { GrayFrame } from '../gate/gray-frame.ts';

/** Rows of the thumbnail (columns follow the aspect ratio); never upscaled. */
export const THUMBNAIL_HEIGHT = 32;

export interface Thumbnail {
  width: number;
  height: number;
  /** Grey levels 0..255, row-major. */
  data: Float32Array;
}

/** Throws GateInputError for an unusable frame. */
export function thumbnail(frame: GrayFrame, height = THUMBNAIL_HEIGHT): Thumbnail {
  checkGrayFrame(frame);
  const size = analysisSize(frame.width, frame.height, height);
  return { ...size, data: downscale(frame, size.width, size.height) };
}

/**
 * Mean absolute difference of two thumbnails as a fraction of full scale (0..1). Thumbnails of
 * different sizes (the source changed resolution) differ completely: 1.
 */
export function pixelDifference(a: Thumbnail, b: Thumbnail): number {
  if (a.width !== b.width || a.height !== b.height || a.data.length === 0) return 1;
  let sum = 0;
  for (let i = 0; i < a.data.length; i++)
    sum += Math.abs((a.data[i] as number) - (b.data[i] as number));
  return sum / a.data.length / 255;
}
