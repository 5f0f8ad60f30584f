import { describe, expect, it } from 'vitest';
import { projectToCameras } from '../../../cloud-hub/src/costs/projection.ts';
import {
  DEFAULT_PRICES,
  costReport,
  pricesFromConfig,
  sumCounts,
} from '../../../cloud-hub/src/costs/report.ts';
import type { EdgeCounts, HubCounts } from '../../../cloud-hub/src/costs/report.ts';

// One camera, one day: 25 fps decoded, sampled at 1 fps, 3 000 frames sent (100 audit, 50 motion)
// at 100 kB each, 0.2 s of cloud compute per frame, 2 400 frames with pre-tagged boxes.
const edge: EdgeCounts = {
  decoded: 2_160_000,
  sampled: 86_400,
  gated: 20_000,
  inferred: 20_000,
  uploaded: 3_000,
  audited: 100,
  motion: 50,
};
const hub: HubCounts = {
  uploadedBytes: 300_000_000,
  computeSeconds: 600,
  detectionsBefore: 12_000,
  detectionsAfter: 9_000,
  pretaggedFrames: 2_400,
};

describe('costReport on a hand-worked day', () => {
  const r = costReport(edge, hub, DEFAULT_PRICES);

  it('bytes: sent vs every sampled frame sent', () => {
    // mean 300e6 / 3 000 = 100 000 B; all sampled 86 400 × 100 000 = 8.64e9 B
    // saved 8.64e9 − 3e8 = 8.34e9 = 96.53 %
    expect(r.bytes.meanFrameBytes).toBe(100_000);
    expect(r.bytes.ifAllSampledSent).toBe(8.64e9);
    expect(r.bytes.saved).toBe(8.34e9);
    expect(r.bytes.savedShare).toBeCloseTo(0.965278, 6);
  });

  it('annotation: $4 320 from scratch vs $54 pre-tagged', () => {
    // without: 86 400 × $0.05 = $4 320
    // with: (3 000 − 2 400) × $0.05 + 2 400 × $0.01 = $30 + $24 = $54; saved $4 266 = 98.75 %
    expect(r.annotation.withoutPretag).toEqual({ frames: 86_400, usd: 4320 });
    expect(r.annotation.withPretag.frames).toBe(3_000);
    expect(r.annotation.withPretag.usd).toBeCloseTo(54, 9);
    expect(r.annotation.savedUsd).toBeCloseTo(4266, 9);
    expect(r.annotation.savedShare).toBeCloseTo(0.9875, 9);
  });

  it('infrastructure: compute, storage, transfer', () => {
    // compute 600 s × $0.10 / 3600 = $0.016667
    // storage 0.3 GB × 30 days / 30 = 0.3 GB-month × $0.02 = $0.006; transfer free by default
    expect(r.infrastructure.computeUsd).toBeCloseTo(0.0166667, 7);
    expect(r.infrastructure.storageGbMonths).toBeCloseTo(0.3, 12);
    expect(r.infrastructure.storageUsd).toBeCloseTo(0.006, 12);
    expect(r.infrastructure.egressGb).toBeCloseTo(0.3, 12);
    expect(r.infrastructure.egressUsd).toBe(0);
    expect(r.infrastructure.totalUsd).toBeCloseTo(0.0226667, 7);
    expect(r.totalWithPretagUsd).toBeCloseTo(54.0226667, 7);
  });

  it('detections before and after cleanup: 25 % removed', () => {
    expect(r.detections).toEqual({ before: 12_000, after: 9_000, removedShare: 0.25 });
    expect(r.problems).toEqual([]);
  });

  it('no review discount when the review price equals the annotation price', () => {
    const flat = costReport(edge, hub, { ...DEFAULT_PRICES, reviewPerFrameUsd: 0.05 });
    expect(flat.annotation.withPretag.usd).toBeCloseTo(150, 9); // 3 000 × $0.05
  });

  it('egress priced per GB served, storage per retention days', () => {
    const p = { ...DEFAULT_PRICES, egressPerGbUsd: 0.08, retentionDays: 90 };
    const x = costReport(edge, { ...hub, egressBytes: 600_000_000 }, p);
    expect(x.infrastructure.egressUsd).toBeCloseTo(0.048, 12); // 0.6 GB × $0.08
    expect(x.infrastructure.storageGbMonths).toBeCloseTo(0.9, 12); // 0.3 GB × 90 / 30
  });
});

describe('costReport with bad or empty counters', () => {
  it('nothing uploaded: ratios are null, nothing throws', () => {
    const zero = sumCounts<EdgeCounts>(
      [],
      ['decoded', 'sampled', 'gated', 'inferred', 'uploaded', 'audited', 'motion'],
    );
    const r = costReport(zero, {
      uploadedBytes: 0,
      computeSeconds: 0,
      detectionsBefore: 0,
      detectionsAfter: 0,
      pretaggedFrames: 0,
    });
    expect(r.bytes.meanFrameBytes).toBeNull();
    expect(r.bytes.ifAllSampledSent).toBeNull();
    expect(r.annotation.savedShare).toBeNull();
    expect(r.detections.removedShare).toBeNull();
  });

  it('NaN and negative counters read as 0 and are listed', () => {
    const r = costReport({ ...edge, sampled: NaN }, { ...hub, computeSeconds: -5 });
    expect(r.frames.sampled).toBe(0);
    expect(r.infrastructure.computeSeconds).toBe(0);
    expect(r.problems).toEqual(['sampled is NaN, read as 0', 'computeSeconds is -5, read as 0']);
  });

  it('more pre-tagged frames than uploaded ones are capped', () => {
    const r = costReport(edge, { ...hub, pretaggedFrames: 10_000 });
    expect(r.annotation.withPretag.pretaggedFrames).toBe(3_000);
  });
});

describe('sumCounts', () => {
  it('adds per-camera rows, skipping bad values', () => {
    const rows = [
      { a: 1, b: 2 },
      { a: 3, b: NaN },
    ];
    expect(sumCounts(rows, ['a', 'b'])).toEqual({ a: 4, b: 2 });
  });
});

describe('pricesFromConfig', () => {
  it('maps hub.yaml costs and retention', () => {
    const p = pricesFromConfig(
      {
        annotation_per_frame_usd: 0.04,
        review_per_frame_usd: 0.02,
        compute_per_hour_usd: 0.5,
        storage_per_gb_month_usd: 0.03,
        egress_per_gb_usd: 0.09,
      },
      { frames_days: 7 },
    );
    expect(p).toEqual({
      annotationPerFrameUsd: 0.04,
      reviewPerFrameUsd: 0.02,
      computePerHourUsd: 0.5,
      storagePerGbMonthUsd: 0.03,
      egressPerGbUsd: 0.09,
      ingressPerGbUsd: 0,
      retentionDays: 7,
    });
  });
});

describe('projectToCameras', () => {
  it("the design's load: 30 000 frames a camera-day → 1 000 cameras ≈ 347 frames/s", () => {
    // 2 cameras over 1 day sent 60 000 frames → ×500 = 30 M a day / 86 400 s = 347.2 /s
    const r = costReport({ ...edge, uploaded: 60_000 }, { ...hub, computeSeconds: 12_000 });
    const p = projectToCameras(r, { cameras: 2, days: 1 }, 1000);
    expect(p?.perDay.uploadedFrames).toBe(30_000_000);
    expect(p?.uploadedFramesPerSecond).toBeCloseTo(347.222, 3);
    // 12 000 s × 500 = 6 M compute-seconds a day / 86 400 = 69.4 → 70 busy workers
    expect(p?.detectorWorkers).toBe(70);
  });

  it('per-day figures divide by the observed days; monthly = 30 days', () => {
    const r = costReport(edge, hub); // $4 320 without, $54 + $0.0226667 with
    const p = projectToCameras(r, { cameras: 1, days: 2 }, 10);
    // ×10 cameras ÷ 2 days = ×5
    expect(p?.perDay.annotationWithoutPretagUsd).toBeCloseTo(21_600, 9);
    expect(p?.perMonthUsd.withPretag).toBeCloseTo((54 + 0.0226667) * 5 * 30, 3);
  });

  it('refuses nonsense observation windows', () => {
    const r = costReport(edge, hub);
    expect(projectToCameras(r, { cameras: 0, days: 1 }, 10)).toBeUndefined();
    expect(projectToCameras(r, { cameras: 1, days: NaN }, 10)).toBeUndefined();
  });
});
