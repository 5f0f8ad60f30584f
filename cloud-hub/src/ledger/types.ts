// Row shapes the ledger hands out, and the states stored in it.
import type { BoxXYXY, Detection } from '@pretag/shared/detection/types';
import type { FrameThresholds } from '@pretag/shared/mqtt/payloads';

export const JOB_STATES = ['queued', 'leased', 'done', 'failed', 'dead'] as const;
/** queued: waiting; leased: a worker holds it; failed: waiting for its retry; dead: gave up. */
export type JobState = (typeof JOB_STATES)[number];

/** pending: detect job not done yet; detected: cloud boxes stored; dead: detect job gave up. */
export type FrameState = 'pending' | 'detected' | 'dead';

/** A cloud detection as the worker hands it over after cleanup. */
export interface CloudDetection extends Detection {
  /** Cleanup outcome; omit when cleanup did not run. Kept boxes carry the cleaned label/box. */
  kept?: boolean;
  /** Which cleanup check dropped it (when kept is false). */
  dropReason?: string;
}

export interface StoredDetection {
  label: string;
  score: number;
  box: BoxXYXY;
  modelId: string;
  /** null when cleanup has not run on it (edge boxes always). */
  kept: boolean | null;
  dropReason: string | null;
}

export interface FrameRecord {
  frameId: string;
  site: string;
  device: string;
  camera: string;
  /** ISO text as the edge sent it (with its offset). */
  capturedAt: string;
  capturedAtMs: number;
  receivedAt: number;
  blobKey: string;
  width: number;
  height: number;
  sha256: string;
  bytes: number;
  reason: 'prefilter' | 'motion' | 'audit' | 'manual';
  /** The edge detections exactly as the payload carried them. */
  edgeDetections: Detection[];
  motionScore: number | null;
  thresholds: FrameThresholds;
  modelId: string;
  state: FrameState;
}

export interface Job {
  id: number;
  frameId: string;
  kind: 'detect';
  state: JobState;
  /** Leases taken so far (a lease that expired counts: the worker may have died on this frame). */
  attempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  nextRunAt: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A leased job with what a worker needs to fetch and detect the frame. */
export interface LeasedJob extends Job {
  blobKey: string;
  width: number;
  height: number;
  site: string;
  camera: string;
  capturedAt: string;
}
