// Reading frames and their detections back out of the ledger.
import type Database from 'better-sqlite3';
import type { Detection } from '@pretag/shared/detection/types';
import { PAYLOAD_VERSION } from '@pretag/shared/mqtt/payloads';
import type { FramePayload, FrameThresholds } from '@pretag/shared/mqtt/payloads';
import type { FrameRecord, FrameState, StoredDetection } from './types.ts';

export interface FrameReader {
  getFrame(frameId: string): FrameRecord | undefined;
  /** Edge and cloud detections of a frame, in the order they were stored. */
  detectionsOf(frameId: string): { edge: StoredDetection[]; cloud: StoredDetection[] };
}

export interface FrameRow {
  frame_id: string;
  site: string;
  device: string;
  camera: string;
  captured_at: string;
  captured_at_ms: number;
  received_at: number;
  blob_key: string;
  width: number;
  height: number;
  sha256: string;
  bytes: number;
  reason: FrameRecord['reason'];
  edge_detections: string;
  motion_score: number | null;
  thresholds: string;
  model_id: string;
  state: FrameState;
}

interface DetectionRow {
  source: 'edge' | 'cloud';
  model_id: string;
  label: string;
  score: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  kept: 0 | 1 | null;
  drop_reason: string | null;
}

export function toFrameRecord(r: FrameRow): FrameRecord {
  return {
    frameId: r.frame_id,
    site: r.site,
    device: r.device,
    camera: r.camera,
    capturedAt: r.captured_at,
    capturedAtMs: r.captured_at_ms,
    receivedAt: r.received_at,
    blobKey: r.blob_key,
    width: r.width,
    height: r.height,
    sha256: r.sha256,
    bytes: r.bytes,
    reason: r.reason,
    edgeDetections: JSON.parse(r.edge_detections) as Detection[],
    motionScore: r.motion_score,
    thresholds: JSON.parse(r.thresholds) as FrameThresholds,
    modelId: r.model_id,
    state: r.state,
  };
}

/** The frame payload a stored frame came from (every payload field is stored). */
export function payloadOf(f: FrameRecord): FramePayload {
  return {
    v: PAYLOAD_VERSION,
    frameId: f.frameId,
    capturedAt: f.capturedAt,
    site: f.site,
    device: f.device,
    camera: f.camera,
    blobKey: f.blobKey,
    width: f.width,
    height: f.height,
    sha256: f.sha256,
    bytes: f.bytes,
    reason: f.reason,
    detections: f.edgeDetections,
    motionScore: f.motionScore,
    thresholds: f.thresholds,
    modelId: f.modelId,
  };
}

export function createFrameReader(db: Database.Database): FrameReader {
  const frame = db.prepare<[string], FrameRow>('SELECT * FROM frames WHERE frame_id = ?');
  const detections = db.prepare<
    [string],
    DetectionRow
  >(`SELECT source, model_id, label, score, x1, y1, x2, y2, kept, drop_reason
     FROM detections WHERE frame_id = ? ORDER BY id`);
  return {
    getFrame(frameId) {
      const r = frame.get(frameId);
      return r ? toFrameRecord(r) : undefined;
    },
    detectionsOf(frameId) {
      const edge: StoredDetection[] = [];
      const cloud: StoredDetection[] = [];
      for (const r of detections.all(frameId))
        (r.source === 'edge' ? edge : cloud).push({
          label: r.label,
          score: r.score,
          box: [r.x1, r.y1, r.x2, r.y2],
          modelId: r.model_id,
          kept: r.kept === null ? null : r.kept === 1,
          dropReason: r.drop_reason,
        });
      return { edge, cloud };
    },
  };
}
