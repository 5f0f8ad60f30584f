// Per-camera decision counters, in the shape of the stats payload (shared/src/mqtt/payloads.ts)
// plus the detail a site engineer tunes with: skips per reason, keep-alives, rejected detections.
import type { CameraCounters } from '@pretag/shared/mqtt/payloads';
import { zeroRejections } from './prefilter.ts';
import type { RejectReason } from './prefilter.ts';

export const SKIP_REASONS = [
  'gate-closed',
  'not-inferred',
  'no-detections',
  'near-copy',
  'rate-limited',
] as const;
/**
 * Why a sampled frame was not sent: the gate was closed (detector not run); the gate was open but
 * the caller did not run the detector; no detection passed the pre-filter; a near-copy of the last
 * upload; new content or a motion candidate was due but held back by the upload pacing
 * (min_gap_s, presence_s) or the motion candidates' per-minute budget.
 */
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface DecisionCounts {
  sampled: number;
  /** Frames the gate let through. */
  gated: number;
  /** Frames the detector ran on (gate open, or a keep-alive check). */
  inferred: number;
  /** Every upload: prefilter (including keep-alives), motion and audit. */
  uploaded: number;
  audited: number;
  motion: number;
  /** Near-copies sent because the keep-alive was due (also counted as uploaded, reason prefilter). */
  keepalive: number;
  /** Skipped frames per reason (audit uploads are not skips). */
  skipped: Record<SkipReason, number>;
  /** Detections the pre-filter rejected, per reason. */
  rejected: Record<RejectReason, number>;
}

export function zeroCounts(): DecisionCounts {
  return {
    sampled: 0,
    gated: 0,
    inferred: 0,
    uploaded: 0,
    audited: 0,
    motion: 0,
    keepalive: 0,
    skipped: Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>,
    rejected: zeroRejections(),
  };
}

/** Counters the decision stage does not own: decoding, the spool. */
export interface OtherStageCounts {
  decoded: number;
  spooledBytes: number;
  dropped: number;
}

/** The stats payload's counters for one camera. */
export function statsCounters(counts: DecisionCounts, other: OtherStageCounts): CameraCounters {
  return {
    decoded: other.decoded,
    sampled: counts.sampled,
    gated: counts.gated,
    inferred: counts.inferred,
    uploaded: counts.uploaded,
    audited: counts.audited,
    motion: counts.motion,
    spooledBytes: other.spooledBytes,
    dropped: other.dropped,
  };
}

/** Running counts for one camera; `take` returns them and starts a new window (stats messages). */
export class DecisionCounters {
  #counts = zeroCounts();

  get current(): Readonly<DecisionCounts> {
    return this.#counts;
  }

  add(update: (c: DecisionCounts) => void): void {
    update(this.#counts);
  }

  take(): DecisionCounts {
    const c = this.#counts;
    this.#counts = zeroCounts();
    return c;
  }
}
