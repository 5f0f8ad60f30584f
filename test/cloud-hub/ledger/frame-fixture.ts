// Valid frame payloads for ledger tests, checked against the real payload schema so the ledger is
// fed exactly what ingest would hand it.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { frameBlobKey } from '@pretag/shared/blob/keys';
import { framePayloadSchema } from '@pretag/shared/mqtt/payloads';
import type { FramePayload } from '@pretag/shared/mqtt/payloads';

export const T0 = Date.parse('2026-11-27T08:00:00.000Z');

/** Frame number i: camera cam-(i % 3), captured i seconds after T0, two edge boxes. */
export function makeFrame(i: number, overrides: Partial<FramePayload> = {}): FramePayload {
  const frameId = overrides.frameId ?? `f${String(i).padStart(6, '0')}`;
  const site = overrides.site ?? 'dublin-plant-2';
  const camera = overrides.camera ?? `cam-${i % 3}`;
  const capturedAt = overrides.capturedAt ?? new Date(T0 + i * 1000).toISOString();
  return framePayloadSchema.parse({
    v: 1,
    frameId,
    capturedAt,
    site,
    device: 'orin-07',
    camera,
    blobKey: frameBlobKey({ site, camera, capturedAt, frameId }),
    width: 1280,
    height: 720,
    sha256: createHash('sha256').update(frameId).digest('hex'),
    bytes: 50_000 + i,
    reason: 'prefilter',
    detections: [
      { label: 'person', score: 0.81, box: [10, 20, 110, 320] },
      { label: 'car', score: 0.42, box: [400, 300, 700, 500] },
    ],
    motionScore: 0.031,
    thresholds: { minScore: 0.35, minArea: 0.0005, classes: ['person', 'car'] },
    modelId: 'ssd-mobilenet-int8',
    ...overrides,
  });
}

/** A fresh directory for one test's ledger files, and a function removing it. */
export function tempDir(): { dir: string; file: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'pretag-ledger-'));
  return {
    dir,
    file: (name) => path.join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
