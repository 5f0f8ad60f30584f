// Real frames for worker tests: JPEGs cut from a test video with ffmpeg, stored in an
// FsBlobStore under their frame keys, and registered in a ledger as ingest would.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { FsBlobStore } from '@pretag/shared/blob/fs-store';
import { frameBlobKey } from '@pretag/shared/blob/keys';
import { createDetector } from '@pretag/shared/detector/index';
import type { Detector } from '@pretag/shared/detector/index';
import { framePayloadSchema } from '@pretag/shared/mqtt/payloads';
import type { FramePayload } from '@pretag/shared/mqtt/payloads';
import { repoRoot } from '../../helpers/media.ts';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';

export const VIDEO = 'video/campus-pedestrians-vtest.avi';
export const MODEL_FILE = path.join(repoRoot, 'models', 'build', 'centernet.onnx');
export const SITE = 'test-site';
export const CAMERA = 'cam-a';

/** `n` JPEGs, one a second from the start of `video`, written to `dir`; their paths in order. */
export function extractJpegs(video: string, n: number, dir: string): string[] {
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-i',
    video,
    '-vf',
    'fps=1',
    '-frames:v',
    String(n),
    '-q:v',
    '3',
    path.join(dir, 'frame-%03d.jpg'),
  ]);
  return readdirSync(dir)
    .filter((f) => f.startsWith('frame-') && f.endsWith('.jpg'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Stores each JPEG in the blob store and its frame row (with a queued detect job) in the ledger. */
export async function seedFrames(
  ledgerFile: string,
  blobDir: string,
  jpegs: readonly string[],
): Promise<FramePayload[]> {
  const blobs = new FsBlobStore(blobDir);
  const frames: FramePayload[] = [];
  for (const [i, file] of jpegs.entries()) {
    const bytes = readFileSync(file);
    const meta = await sharp(bytes).metadata();
    const frameId = `frame-${String(i).padStart(3, '0')}`;
    const capturedAt = new Date(Date.parse('2026-11-27T09:00:00Z') + i * 1000).toISOString();
    const blobKey = frameBlobKey({ site: SITE, camera: CAMERA, capturedAt, frameId });
    await blobs.put(blobKey, bytes, { contentType: 'image/jpeg' });
    frames.push(
      framePayloadSchema.parse({
        v: 1,
        frameId,
        capturedAt,
        site: SITE,
        device: 'dev-1',
        camera: CAMERA,
        blobKey,
        width: meta.width,
        height: meta.height,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        bytes: bytes.byteLength,
        reason: 'prefilter',
        detections: [],
        motionScore: null,
        thresholds: { minScore: 0.35, minArea: 0.0005, classes: ['person'] },
        modelId: 'edge-int8',
      }),
    );
  }
  const ledger = openLedger(ledgerFile);
  ledger.frames.ingestMany(frames.map((payload) => ({ payload, receivedAt: Date.now() })));
  ledger.close();
  return frames;
}

export function cloudDetector(): Promise<Detector> {
  return createDetector({ adapter: 'centernet', file: MODEL_FILE, scoreThreshold: 0.05 });
}
