// Face redaction for one frame before it leaves the device. Never throws: a frame that cannot be
// redacted comes back as a failure, and the caller must drop it (and count it) rather than upload
// the original.
import type { Detection } from '@pretag/shared/detection/types';
import { decodeImage } from '@pretag/shared/detector/image';
import { assertRgb } from '@pretag/shared/detector/preprocess';
import type { DecodedImage, Detector } from '@pretag/shared/detector/types';
import {
  parseRedactionOptions,
  type RedactionOptions,
  type RedactionOptionsInput,
} from './options.ts';
import { encodeJpeg, obscureRegions } from './pixels.ts';
import { planRedaction, type Rect } from './plan.ts';

export interface RedactFacesOptions {
  /** Parsed or raw redaction options (defaults: on, pixelate). */
  settings?: RedactionOptions | RedactionOptionsInput;
  /** This frame's pre-filter detections in frame pixels; persons give head regions. */
  detections?: readonly Detection[];
  /** A face detector (the blazeface adapter); without one only head regions are redacted. */
  faceDetector?: Pick<Detector, 'detect'>;
  /** jpeg (default, what is uploaded) or raw RGB. */
  output?: 'jpeg' | 'raw';
}

export type RedactStage = 'options' | 'decode' | 'faces' | 'plan' | 'obscure' | 'encode';

export type RedactResult =
  | {
      ok: true;
      /** False when redaction is off for this camera (the frame is passed through). */
      redacted: boolean;
      /** JPEG bytes for output 'jpeg', RGB pixels for 'raw'. */
      image: Buffer | DecodedImage;
      regions: Rect[];
      faces: Detection[];
    }
  | { ok: false; stage: RedactStage; error: string };

const fail = (stage: RedactStage, err: unknown): RedactResult => ({
  ok: false,
  stage,
  error: err instanceof Error ? err.message : String(err),
});

/** Blur or pixelate faces and heads in a JPEG (or raw RGB) frame. */
export async function redactFaces(
  image: Buffer | DecodedImage,
  options: RedactFacesOptions = {},
): Promise<RedactResult> {
  let settings: RedactionOptions;
  try {
    settings = parseRedactionOptions(options.settings);
  } catch (err) {
    return fail('options', err);
  }
  const output = options.output ?? 'jpeg';
  const isJpegIn = Buffer.isBuffer(image);

  let img: DecodedImage | undefined;
  const decoded = async (): Promise<DecodedImage> => {
    if (img) return img;
    if (isJpegIn) return (img = await decodeImage(image));
    assertRgb(image);
    return (img = image);
  };
  const emit = async (
    pixels: DecodedImage | undefined,
    base: { redacted: boolean; regions: Rect[]; faces: Detection[] },
  ): Promise<RedactResult> => {
    // Unchanged JPEG in, JPEG out: pass the original bytes, no re-encode.
    if (!pixels && isJpegIn && output === 'jpeg') return { ok: true, ...base, image };
    let px: DecodedImage;
    try {
      px = pixels ?? (await decoded());
    } catch (err) {
      return fail('decode', err);
    }
    if (output === 'raw') return { ok: true, ...base, image: px };
    try {
      return { ok: true, ...base, image: await encodeJpeg(px, settings.jpeg_quality) };
    } catch (err) {
      return fail('encode', err);
    }
  };

  if (!settings.enabled) return emit(undefined, { redacted: false, regions: [], faces: [] });

  let frame: DecodedImage;
  try {
    frame = await decoded();
  } catch (err) {
    return fail('decode', err);
  }
  let faces: Detection[] = [];
  if (options.faceDetector) {
    try {
      faces = await options.faceDetector.detect(frame);
    } catch (err) {
      return fail('faces', err);
    }
  }
  let regions: Rect[];
  try {
    regions = planRedaction(
      { width: frame.width, height: frame.height, faces, detections: options.detections ?? [] },
      settings,
    );
  } catch (err) {
    return fail('plan', err);
  }
  const kept = faces.filter((f) => f.score >= settings.min_face_score);
  if (regions.length === 0) return emit(undefined, { redacted: true, regions, faces: kept });
  let out: DecodedImage;
  try {
    out = await obscureRegions(frame, regions, settings.mode, settings.strength);
  } catch (err) {
    return fail('obscure', err);
  }
  return emit(out, { redacted: true, regions, faces: kept });
}
