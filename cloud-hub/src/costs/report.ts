// Counters for one site / camera / day (or any period) into the figures a report shows. Pure.
//
// Rules, stated once:
// - bytes if every sampled frame had been sent = sampled × mean uploaded frame size
//   (uploadedBytes / uploaded, unless a mean is given).
// - annotation without pre-tagging: every sampled frame labelled from scratch at the annotation
//   price. With pre-tagging: only uploaded frames reach annotators; those carrying pre-tagged
//   boxes cost the review price (check and fix), the rest the annotation price. Set the review
//   price equal to the annotation price to claim no review discount.
// - compute: cloud compute-seconds × hourly price / 3600.
// - storage: each period's upload is kept `retentionDays`, so it costs
//   GB × retentionDays / 30 GB-months (1 GB = 10⁹ bytes).
// - ingress: uploaded GB; egress: GB served to annotators (default: each uploaded frame once).
// A ratio with a zero denominator is null.

export interface EdgeCounts {
  decoded: number;
  sampled: number;
  gated: number;
  inferred: number;
  /** Every frame sent to the hub, audit and motion frames included. */
  uploaded: number;
  audited: number;
  motion: number;
}

export interface HubCounts {
  /** Bytes of the JPEGs received. */
  uploadedBytes: number;
  /** Seconds the cloud detector ran for these frames. */
  computeSeconds: number;
  detectionsBefore: number;
  detectionsAfter: number;
  /** Uploaded frames with at least one box after cleanup. */
  pretaggedFrames: number;
  /** Bytes served to annotators; default uploadedBytes. */
  egressBytes?: number;
}

export interface Prices {
  annotationPerFrameUsd: number;
  reviewPerFrameUsd: number;
  computePerHourUsd: number;
  storagePerGbMonthUsd: number;
  egressPerGbUsd: number;
  ingressPerGbUsd: number;
  retentionDays: number;
}

/** The seed's defaults, as in hub.yaml. */
export const DEFAULT_PRICES: Prices = {
  annotationPerFrameUsd: 0.05,
  reviewPerFrameUsd: 0.01,
  computePerHourUsd: 0.1,
  storagePerGbMonthUsd: 0.02,
  egressPerGbUsd: 0,
  ingressPerGbUsd: 0,
  retentionDays: 30,
};

/** hub.yaml `costs` and `retention` onto prices. */
export function pricesFromConfig(
  costs: {
    annotation_per_frame_usd: number;
    review_per_frame_usd: number;
    compute_per_hour_usd: number;
    storage_per_gb_month_usd: number;
    egress_per_gb_usd: number;
  },
  retention: { frames_days: number },
): Prices {
  return {
    annotationPerFrameUsd: costs.annotation_per_frame_usd,
    reviewPerFrameUsd: costs.review_per_frame_usd,
    computePerHourUsd: costs.compute_per_hour_usd,
    storagePerGbMonthUsd: costs.storage_per_gb_month_usd,
    egressPerGbUsd: costs.egress_per_gb_usd,
    ingressPerGbUsd: 0,
    retentionDays: retention.frames_days,
  };
}

export interface CostReport {
  frames: EdgeCounts;
  bytes: {
    uploaded: number;
    meanFrameBytes: number | null;
    ifAllSampledSent: number | null;
    saved: number | null;
    savedShare: number | null;
  };
  detections: { before: number; after: number; removedShare: number | null };
  annotation: {
    withoutPretag: { frames: number; usd: number };
    withPretag: { frames: number; pretaggedFrames: number; usd: number };
    savedUsd: number;
    savedShare: number | null;
  };
  infrastructure: {
    computeSeconds: number;
    computeUsd: number;
    storageGbMonths: number;
    storageUsd: number;
    ingressGb: number;
    ingressUsd: number;
    egressGb: number;
    egressUsd: number;
    totalUsd: number;
  };
  /** Annotation with pre-tagging plus infrastructure. */
  totalWithPretagUsd: number;
  /** Counters that were not finite non-negative numbers and were read as 0. */
  problems: string[];
}

const GB = 1e9;

export function ratio(a: number, b: number): number | null {
  return b !== 0 && Number.isFinite(a) && Number.isFinite(b) ? a / b : null;
}

/** Read a counter, turning NaN, negatives and non-numbers into 0 and noting them. */
function count(v: unknown, name: string, problems: string[]): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (v !== undefined)
    problems.push(`${name} is ${typeof v === 'number' ? String(v) : typeof v}, read as 0`);
  return 0;
}

export function costReport(
  edge: EdgeCounts,
  hub: HubCounts,
  prices: Prices = DEFAULT_PRICES,
  options: { meanFrameBytes?: number } = {},
): CostReport {
  const problems: string[] = [];
  const e = Object.fromEntries(
    (['decoded', 'sampled', 'gated', 'inferred', 'uploaded', 'audited', 'motion'] as const).map(
      (k) => [k, count(edge[k], k, problems)],
    ),
  ) as unknown as EdgeCounts;
  const uploadedBytes = count(hub.uploadedBytes, 'uploadedBytes', problems);
  const computeSeconds = count(hub.computeSeconds, 'computeSeconds', problems);
  const before = count(hub.detectionsBefore, 'detectionsBefore', problems);
  const after = count(hub.detectionsAfter, 'detectionsAfter', problems);
  const pretagged = Math.min(e.uploaded, count(hub.pretaggedFrames, 'pretaggedFrames', problems));
  const egressBytes =
    hub.egressBytes === undefined ? uploadedBytes : count(hub.egressBytes, 'egressBytes', problems);

  const meanFrameBytes = options.meanFrameBytes ?? ratio(uploadedBytes, e.uploaded);
  const ifAll = meanFrameBytes === null ? null : e.sampled * meanFrameBytes;
  const saved = ifAll === null ? null : ifAll - uploadedBytes;

  const withoutUsd = e.sampled * prices.annotationPerFrameUsd;
  const withUsd =
    (e.uploaded - pretagged) * prices.annotationPerFrameUsd + pretagged * prices.reviewPerFrameUsd;

  const computeUsd = (computeSeconds * prices.computePerHourUsd) / 3600;
  const storageGbMonths = ((uploadedBytes / GB) * prices.retentionDays) / 30;
  const storageUsd = storageGbMonths * prices.storagePerGbMonthUsd;
  const ingressGb = uploadedBytes / GB;
  const ingressUsd = ingressGb * prices.ingressPerGbUsd;
  const egressGb = egressBytes / GB;
  const egressUsd = egressGb * prices.egressPerGbUsd;
  const infraUsd = computeUsd + storageUsd + ingressUsd + egressUsd;

  return {
    frames: e,
    bytes: {
      uploaded: uploadedBytes,
      meanFrameBytes,
      ifAllSampledSent: ifAll,
      saved,
      savedShare: saved === null || ifAll === null ? null : ratio(saved, ifAll),
    },
    detections: { before, after, removedShare: ratio(before - after, before) },
    annotation: {
      withoutPretag: { frames: e.sampled, usd: withoutUsd },
      withPretag: { frames: e.uploaded, pretaggedFrames: pretagged, usd: withUsd },
      savedUsd: withoutUsd - withUsd,
      savedShare: ratio(withoutUsd - withUsd, withoutUsd),
    },
    infrastructure: {
      computeSeconds,
      computeUsd,
      storageGbMonths,
      storageUsd,
      ingressGb,
      ingressUsd,
      egressGb,
      egressUsd,
      totalUsd: infraUsd,
    },
    totalWithPretagUsd: withUsd + infraUsd,
    problems,
  };
}

/** Sum counters over cameras or days (missing or bad values count as 0). */
export function sumCounts<T extends object>(rows: readonly T[], keys: readonly (keyof T)[]): T {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<keyof T, number>;
  for (const r of rows)
    for (const k of keys) {
      const v = r[k];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[k] += v;
    }
  return out as T;
}
