// What QA sampling reads about each frame of a batch, and what it returns.
import type { Detection } from '@pretag/shared/detection/types';

export type FrameReason = 'prefilter' | 'motion' | 'audit' | 'manual';

export interface QaFrame {
  frameId: string;
  camera: string;
  /** ISO time the frame was captured (carried through to samples). */
  capturedAt: string;
  /** Hour 0–23 of capturedAt in the site's time zone (shared/src/config localTime). */
  hour: number;
  reason: FrameReason;
  /** The edge pre-filter's boxes, as sent. */
  edge: readonly Detection[];
  /** The cloud detector's boxes after cleanup. */
  cloud: readonly Detection[];
  /** The edge's min score in force (frame payload thresholds.minScore). */
  edgeMinScore?: number;
  /** The cleanup thresholds in force for this frame: default and per class. */
  cloudMinScore?: number;
  cloudClassMinScore?: Readonly<Record<string, number>>;
  /** Cheap image embedding (embedding.ts); frames without one take no part in diversity. */
  embedding?: ArrayLike<number>;
}

/** Why a frame is in the sample. */
export type PickReason =
  'stratified' | 'near-threshold' | 'disagreement' | 'audit-miss' | 'diversity';
