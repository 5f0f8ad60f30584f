// Decoding and resampling with sharp (libvips). Everything after this is pure typed-array work.
import sharp from 'sharp';
import {
  assertRgb,
  packTensor,
  planResize,
  tensorLength,
  type InputTensor,
  type ResizePlan,
} from './preprocess.ts';
import type { DecodedImage, InputSpec } from './types.ts';

/** Decode a JPEG/PNG (or anything sharp reads) into 8-bit RGB, honouring EXIF orientation. */
export async function decodeImage(encoded: Buffer): Promise<DecodedImage> {
  if (encoded.length === 0) throw new Error('cannot decode an empty image buffer');
  let out: { data: Buffer; info: sharp.OutputInfo };
  try {
    out = await sharp(encoded)
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new Error(`cannot decode image (${encoded.length} bytes): ${(err as Error).message}`, {
      cause: err,
    });
  }
  const { width, height, channels } = out.info;
  if (channels !== 3) throw new Error(`decoded image has ${channels} channels, expected 3`);
  return {
    width,
    height,
    data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length),
  };
}

/** Bilinear resample of RGB pixels to exactly width × height. */
export async function resizeRgb(
  img: DecodedImage,
  width: number,
  height: number,
): Promise<DecodedImage> {
  assertRgb(img);
  if (img.width === width && img.height === height) return img;
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

export async function toImage(input: DecodedImage | Buffer): Promise<DecodedImage> {
  if (Buffer.isBuffer(input)) return decodeImage(input);
  assertRgb(input);
  return input;
}

export interface PreparedInput extends InputTensor {
  plan: ResizePlan;
}

/**
 * Decode (if needed), resize and pack one image into the network tensor. `tensorBuffer` is called
 * with the tensor's length once the size is known and may return a buffer of that length to
 * pack into (reused between inferences); otherwise the tensor gets a new one.
 */
export async function prepareInput(
  input: DecodedImage | Buffer,
  spec: InputSpec,
  tensorBuffer?: (length: number) => Float32Array | undefined,
): Promise<PreparedInput> {
  const img = await toImage(input);
  const plan = planResize(img.width, img.height, spec);
  const resized = await resizeRgb(img, plan.resizedWidth, plan.resizedHeight);
  return { ...packTensor(resized, plan, spec, tensorBuffer?.(tensorLength(plan))), plan };
}
