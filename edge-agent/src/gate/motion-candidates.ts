// Motion candidates (domain shift): a COCO-trained detector misses people seen from above or by a
// fisheye. An object-sized region that keeps moving for `min_s` seconds while no accepted
// detection explains it is worth sending anyway, marked `motion`, at most `max_per_min` a minute.
// A region that stays in view and stays unexplained is sent again every `repeat_s` seconds, so a
// person the detector keeps missing is seen while they are there, not once ever.
// Pure: boxes and timestamps in, a decision out; no clock, no I/O.
import type { EdgeSettings } from '@pretag/shared/config/edge-schema';
import { boxArea, intersectionArea, iou } from '@pretag/shared/detection/iou';
import type { BoxXYXY } from '@pretag/shared/detection/types';

export type MotionCandidatesConfig = EdgeSettings['motion_candidates'];

export interface MotionCandidateOptions {
  /** Object-sized: motion boxes smaller than this fraction of the frame are ignored... */
  minArea?: number;
  /** ...and so are boxes larger than this (a passing shadow, a door, the whole scene). */
  maxArea?: number;
  /** A motion box continues a region when their IoU is at least this. */
  matchIou?: number;
  /** A region that has not been seen for this long is forgotten. */
  maxGapSeconds?: number;
  /** A detection explains a motion box when it covers at least this share of the box. */
  explainedCover?: number;
}

const DEFAULTS: Required<MotionCandidateOptions> = {
  minArea: 0.002,
  maxArea: 0.5,
  matchIou: 0.1,
  maxGapSeconds: 1.5,
  explainedCover: 0.5,
};

/** A region with sustained motion, as the tracker sees it. */
export interface MotionRegion {
  id: number;
  /** Latest motion box, normalised xyxy. */
  box: BoxXYXY;
  firstSeen: number;
  lastSeen: number;
  /** Since when no detection has explained it (undefined while one does). */
  unexplainedSince: number | undefined;
  reported: boolean;
  /** When it was last sent (undefined: never). */
  reportedAt: number | undefined;
}

export interface CandidateDecision {
  /** The region to send this frame for, if any (at most one per frame). */
  candidate: { id: number; box: BoxXYXY; unexplainedS: number } | undefined;
  /** A region was due but the per-minute budget was spent, or the caller held it back. */
  rateLimited: boolean;
  /** Regions currently followed. */
  regions: readonly MotionRegion[];
}

/** Share of `box` covered by `other`. */
function cover(box: Readonly<BoxXYXY>, other: Readonly<BoxXYXY>): number {
  const a = boxArea(box);
  return a > 0 ? intersectionArea(box, other) / a : 0;
}

export class MotionCandidateTracker {
  readonly #opts: Required<MotionCandidateOptions>;
  #config: MotionCandidatesConfig;
  #regions: MotionRegion[] = [];
  #reports: number[] = [];
  #nextId = 1;

  constructor(config: MotionCandidatesConfig, options: MotionCandidateOptions = {}) {
    this.#opts = { ...DEFAULTS, ...options };
    this.#config = config;
  }

  setConfig(config: MotionCandidatesConfig): void {
    this.#config = config;
  }

  /**
   * One sampled frame at `t` seconds: its motion boxes and the boxes of the detections the
   * pre-filter accepted, both normalised xyxy. With `hold`, a due region is not sent now (the
   * caller's upload pacing says wait) but stays due.
   */
  update(
    motionBoxes: readonly Readonly<BoxXYXY>[],
    detectionBoxes: readonly Readonly<BoxXYXY>[],
    t: number,
    hold = false,
  ): CandidateDecision {
    const o = this.#opts;
    const sized = motionBoxes.filter((b) => {
      const a = boxArea(b);
      return a >= o.minArea && a <= o.maxArea;
    });
    this.#associate(sized, t);
    this.#regions = this.#regions.filter((r) => t - r.lastSeen <= o.maxGapSeconds);
    for (const r of this.#regions) {
      if (r.lastSeen !== t) continue;
      const explained = detectionBoxes.some((d) => cover(r.box, d) >= o.explainedCover);
      if (explained) r.unexplainedSince = undefined;
      else r.unexplainedSince ??= t;
    }
    this.#reports = this.#reports.filter((at) => t - at < 60);

    if (!this.#config.enabled)
      return { candidate: undefined, rateLimited: false, regions: this.#snapshot() };
    // Due: seen now, unexplained for min_s, not sent in the last repeat_s (nor since it was
    // explained). The longest-standing goes first.
    const { min_s, repeat_s } = this.#config;
    const due = this.#regions
      .filter(
        (r) =>
          r.lastSeen === t &&
          r.unexplainedSince !== undefined &&
          t - r.unexplainedSince >= min_s &&
          (r.reportedAt === undefined ||
            r.reportedAt < r.unexplainedSince ||
            t - r.reportedAt >= repeat_s),
      )
      .sort((a, b) => (a.unexplainedSince ?? 0) - (b.unexplainedSince ?? 0));
    const first = due[0];
    if (first === undefined)
      return { candidate: undefined, rateLimited: false, regions: this.#snapshot() };
    if (hold || this.#reports.length >= this.#config.max_per_min)
      return { candidate: undefined, rateLimited: true, regions: this.#snapshot() };
    first.reported = true;
    first.reportedAt = t;
    this.#reports.push(t);
    return {
      candidate: {
        id: first.id,
        box: [...first.box],
        unexplainedS: t - (first.unexplainedSince ?? t),
      },
      rateLimited: false,
      regions: this.#snapshot(),
    };
  }

  #snapshot(): MotionRegion[] {
    return this.#regions.map((r) => ({ ...r, box: [...r.box] }));
  }

  /** Forget every region (after a scene change); the rate budget is kept. */
  reset(): void {
    this.#regions = [];
  }

  /** Greedy matching of boxes to regions by IoU, best pairs first; unmatched boxes start regions. */
  #associate(boxes: readonly Readonly<BoxXYXY>[], t: number): void {
    const pairs: { r: number; b: number; v: number }[] = [];
    this.#regions.forEach((region, r) =>
      boxes.forEach((box, b) => {
        const v = iou(region.box, box);
        if (v >= this.#opts.matchIou) pairs.push({ r, b, v });
      }),
    );
    pairs.sort((x, y) => y.v - x.v);
    const usedR = new Set<number>();
    const usedB = new Set<number>();
    for (const p of pairs) {
      if (usedR.has(p.r) || usedB.has(p.b)) continue;
      usedR.add(p.r);
      usedB.add(p.b);
      const region = this.#regions[p.r];
      const box = boxes[p.b];
      if (region && box) {
        region.box = [...box];
        region.lastSeen = t;
      }
    }
    boxes.forEach((box, b) => {
      if (usedB.has(b)) return;
      this.#regions.push({
        id: this.#nextId++,
        box: [...box],
        firstSeen: t,
        lastSeen: t,
        unexplainedSince: undefined,
        reported: false,
        reportedAt: undefined,
      });
    });
  }
}
