// Test frames for the spool: JPEG-shaped bytes of an exact size (FF D8 … FF D9, random body)
// with a frame payload whose sha256 and size are computed here with node:crypto.
import { createHash, randomBytes } from 'node:crypto';
import { frameBlobKey } from '@pretag/shared/blob/keys';
import type { FramePayload } from '@pretag/shared/mqtt/payloads';

export interface TestFrame {
  frame: FramePayload;
  jpeg: Buffer;
  sha256: string;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A JPEG-framed buffer of exactly `bytes` bytes (at least 4). */
export function jpegBytes(bytes: number): Buffer {
  const b = randomBytes(bytes);
  b[0] = 0xff;
  b[1] = 0xd8;
  b[bytes - 2] = 0xff;
  b[bytes - 1] = 0xd9;
  return b;
}

export function makeFrame(
  frameId: string,
  capturedAtMs: number,
  bytes: number,
  opts: { camera?: string; jpeg?: Buffer } = {},
): TestFrame {
  const jpeg = opts.jpeg ?? jpegBytes(bytes);
  const camera = opts.camera ?? 'cam1';
  const capturedAt = new Date(capturedAtMs).toISOString();
  const digest = sha256(jpeg);
  const frame: FramePayload = {
    v: 1,
    frameId,
    capturedAt,
    site: 'site1',
    device: 'jetson1',
    camera,
    blobKey: frameBlobKey({ site: 'site1', camera, capturedAt, frameId }),
    width: 640,
    height: 480,
    sha256: digest,
    bytes: jpeg.byteLength,
    reason: 'prefilter',
    detections: [],
    motionScore: null,
    thresholds: { minScore: 0.35, minArea: 0.0005, classes: ['person'] },
    modelId: 'nanodet-plus-m-416-int8',
  };
  return { frame, jpeg, sha256: digest };
}
