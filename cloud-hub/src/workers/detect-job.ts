// One detect job: fetch the JPEG, run the full detector, clean the boxes with the camera's rules
// at capture time. Returns the result the ledger stores, or an error message for jobs.fail.
import type { BlobStore } from '@pretag/shared/blob/store';
import type { Detection } from '@pretag/shared/detection/types';
import type { Detector } from '@pretag/shared/detector/types';
import type { CleanupRules } from '../cleanup/rules.ts';
import type { CloudResult } from '../ledger/index.ts';
import { toCloudDetections } from './cloud-detections.ts';

/** What a worker needs to know about a job (a leased ledger job or a job message). */
export interface DetectTask {
  jobId: number;
  frameId: string;
  blobKey: string;
  width: number;
  height: number;
  site: string;
  camera: string;
  capturedAt: string;
}

/** Cleanup rules for a camera at an instant (hub.yaml cleanupAt + rulesFromSettings). */
export type RulesFor = (camera: { site: string; camera: string }, at: Date) => CleanupRules;

export interface DetectDeps {
  blobs: BlobStore;
  detector: Detector;
  rulesFor: RulesFor;
}

export type DetectOutcome =
  { ok: true; result: CloudResult; computeMs: number } | { ok: false; error: string };

export type Fetched = { ok: true; jpeg: Buffer } | { ok: false; error: string };

/** The job's JPEG from the blob store (started early, so reading overlaps other frames' work). */
export async function fetchJpeg(task: { blobKey: string }, blobs: BlobStore): Promise<Fetched> {
  try {
    const jpeg = await blobs.get(task.blobKey);
    if (!jpeg) return { ok: false, error: `blob ${task.blobKey} not found` };
    return { ok: true, jpeg: Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength) };
  } catch (err) {
    return { ok: false, error: `blob ${task.blobKey} unreadable: ${(err as Error).message}` };
  }
}

export type Detected =
  { ok: true; raw: Detection[]; ms: number; modelId: string } | { ok: false; error: string };

/**
 * The full detector on one JPEG. The model id is read as the detection starts: with a model
 * swapped meanwhile (a promotion), the boxes still belong to the model that made them.
 */
export async function runDetector(jpeg: Buffer, detector: Detector): Promise<Detected> {
  const t0 = performance.now();
  const modelId = detector.info.modelId;
  try {
    const raw = await detector.detect(jpeg);
    return { ok: true, raw, ms: performance.now() - t0, modelId };
  } catch (err) {
    return { ok: false, error: `detection failed: ${(err as Error).message}` };
  }
}

/** Cleanup with the camera's rules at capture time; computeMs covers detection and cleanup. */
export function finishDetection(task: DetectTask, d: Detected, deps: DetectDeps): DetectOutcome {
  if (!d.ok) return d;
  const t0 = performance.now();
  try {
    const rules = deps.rulesFor(task, new Date(task.capturedAt));
    const detections = toCloudDetections(d.raw, rules, task);
    const computeMs = d.ms + (performance.now() - t0);
    return { ok: true, result: { modelId: d.modelId, detections }, computeMs };
  } catch (err) {
    return { ok: false, error: `cleanup failed: ${(err as Error).message}` };
  }
}

export async function detectTask(task: DetectTask, deps: DetectDeps): Promise<DetectOutcome> {
  const f = await fetchJpeg(task, deps.blobs);
  if (!f.ok) return f;
  return finishDetection(task, await runDetector(f.jpeg, deps.detector), deps);
}
