// Projection of observed figures to N cameras: every figure here is a sum over cameras, so it
// scales by N / observed cameras; per-day figures divide by the observed days. Assumes the
// observed cameras are typical of the fleet (same activity, same settings).
import type { CostReport } from './report.ts';

export interface Projection {
  cameras: number;
  perDay: {
    uploadedFrames: number;
    uploadedBytes: number;
    computeSeconds: number;
    annotationWithoutPretagUsd: number;
    annotationWithPretagUsd: number;
    infrastructureUsd: number;
  };
  /** Mean ingest rate the hub must hold. */
  uploadedFramesPerSecond: number;
  /** Detector workers kept busy all day: compute-seconds per day / 86 400, rounded up. */
  detectorWorkers: number;
  /** perDay × 30. */
  perMonthUsd: { withoutPretag: number; withPretag: number };
}

export function projectToCameras(
  report: CostReport,
  observed: { cameras: number; days: number },
  cameras: number,
): Projection | undefined {
  const { cameras: c, days } = observed;
  if (!(c > 0 && days > 0 && cameras >= 0 && [c, days, cameras].every(Number.isFinite)))
    return undefined;
  const k = cameras / c / days;
  const perDay = {
    uploadedFrames: report.frames.uploaded * k,
    uploadedBytes: report.bytes.uploaded * k,
    computeSeconds: report.infrastructure.computeSeconds * k,
    annotationWithoutPretagUsd: report.annotation.withoutPretag.usd * k,
    annotationWithPretagUsd: report.annotation.withPretag.usd * k,
    infrastructureUsd: report.infrastructure.totalUsd * k,
  };
  return {
    cameras,
    perDay,
    uploadedFramesPerSecond: perDay.uploadedFrames / 86_400,
    detectorWorkers: Math.ceil(perDay.computeSeconds / 86_400),
    perMonthUsd: {
      withoutPretag: perDay.annotationWithoutPretagUsd * 30,
      withPretag: (perDay.annotationWithPretagUsd + perDay.infrastructureUsd) * 30,
    },
  };
}
