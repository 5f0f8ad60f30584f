// What the daily report adds beyond cost rows: the pre-filter's recall from audit frames, a
// projection of the totals to N cameras, and threshold suggestions from reviews. All over the
// same days, site and camera as the rows.
//
// Recall inputs (see costs/recall.ts), where "an object of interest" is any cloud box that
// survived cleanup:
//   P  prefilter frames in range whose cloud detections kept a box;
//   R  frames the pre-filter rejected = inferred − (uploaded − audited − motion), from edge stats;
//   A  audit frames the cloud has detected;  m  those of them with a kept box.
// Threshold suggestions use reviews written in the range, per camera and label, against the
// edge minScore carried by that camera's latest frame (the threshold in force).
import type { Projection } from '../../costs/projection.ts';
import type { CostReport, EdgeCounts, HubCounts, Prices } from '../../costs/report.ts';
import { costReport, sumCounts } from '../../costs/report.ts';
import { projectToCameras } from '../../costs/projection.ts';
import type { RecallEstimate, RecallInput } from '../../costs/recall.ts';
import { estimateRecall } from '../../costs/recall.ts';
import type { Review, ThresholdSuggestion, Verdict } from '../../costs/thresholds.ts';
import { suggestThreshold } from '../../costs/thresholds.ts';
import type { Ledger } from '../../ledger/open.ts';
import type { DailyQuery, DailyReport } from './daily.ts';
import { recallInput } from './recall-input.ts';
import type { RecallParams } from './recall-input.ts';
import { qualitySection } from './quality-section.ts';
import type { QualitySection } from './quality-section.ts';
import { EDGE_KEYS, HUB_KEYS, dayStart } from './daily.ts';

const DAY_MS = 86_400_000;

/** The seed's fleet size, used when the caller names none. */
export const DEFAULT_PROJECTION_CAMERAS = 1000;

export interface ReportInsights {
  /** The rows summed over cameras, one per day that has any. */
  byDay: { day: string; report: CostReport }[];
  /** The rows summed over days, one per site and camera. */
  byCamera: { site: string; camera: string; report: CostReport }[];
  recall: { input: RecallInput; estimate: RecallEstimate };
  projection:
    | { ok: true; observed: { cameras: number; days: number }; result: Projection }
    | { ok: false; reason: string };
  thresholds: ThresholdSuggestion[];
  /** Model quality from reviews over the same days (quality/report.ts, default settings). */
  quality?: QualitySection;
}

/** The report the API serves as JSON: the daily rows and totals plus the insights. */
export type ReportDocument = DailyReport & ReportInsights;

function thresholdSuggestions(ledger: Ledger, p: RecallParams): ThresholdSuggestion[] {
  const rows = ledger
    .statement<
      [RecallParams],
      { camera: string; label: string; verdict: string; score: number | null }
    >(
      `SELECT r.camera, r.label, r.verdict, r.score FROM reviews r
       WHERE r.created_at >= @from AND r.created_at < @to
         AND (@camera IS NULL OR r.camera = @camera)
         AND (@site IS NULL OR EXISTS (SELECT 1 FROM qa_samples s JOIN batches b ON b.id = s.batch_id
           WHERE s.id = r.sample_id AND (b.site IS NULL OR b.site = @site)))
       ORDER BY r.camera, r.label, r.id`,
    )
    .all(p);
  const latest = ledger.statement<
    [{ camera: string; site: string | null }],
    { thresholds: string }
  >(
    `SELECT thresholds FROM frames WHERE camera = @camera AND (@site IS NULL OR site = @site)
     ORDER BY captured_at_ms DESC LIMIT 1`,
  );
  const groups = new Map<
    string,
    { camera: string; label: string; reviews: Review[]; missed: number }
  >();
  for (const r of rows) {
    const k = `${r.camera}\0${r.label}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { camera: r.camera, label: r.label, reviews: [], missed: 0 }));
    if (r.verdict === 'missed') g.missed++;
    else if (r.score !== null) g.reviews.push({ score: r.score, verdict: r.verdict as Verdict });
  }
  const out: ThresholdSuggestion[] = [];
  for (const g of groups.values()) {
    const row = latest.get({ camera: g.camera, site: p.site });
    let minScore: unknown;
    try {
      minScore = row ? (JSON.parse(row.thresholds) as { minScore?: unknown }).minScore : undefined;
    } catch {
      minScore = undefined;
    }
    // Without a frame telling the threshold in force there is nothing to move.
    if (typeof minScore !== 'number') continue;
    out.push(suggestThreshold({ ...g, threshold: minScore }));
  }
  return out;
}

/** The counters a row's report was priced from. */
function countsOf(r: CostReport): { edge: EdgeCounts; hub: HubCounts } {
  return {
    edge: r.frames,
    hub: {
      uploadedBytes: r.bytes.uploaded,
      computeSeconds: r.infrastructure.computeSeconds,
      detectionsBefore: r.detections.before,
      detectionsAfter: r.detections.after,
      pretaggedFrames: r.annotation.withPretag.pretaggedFrames,
    },
  };
}

/** Rows grouped by `key` (in first-seen order) and re-priced from their summed counters. */
function groupRows<K>(
  rows: DailyReport['rows'],
  key: (r: DailyReport['rows'][number]) => string,
  label: (r: DailyReport['rows'][number]) => K,
  prices: Prices,
): (K & { report: CostReport })[] {
  const groups = new Map<string, { label: K; reports: CostReport[] }>();
  for (const r of rows) {
    const k = key(r);
    const g = groups.get(k);
    if (g) g.reports.push(r.report);
    else groups.set(k, { label: label(r), reports: [r.report] });
  }
  return [...groups.values()].map((g) => {
    const c = g.reports.map(countsOf);
    const report = costReport(
      sumCounts(
        c.map((x) => x.edge),
        EDGE_KEYS,
      ),
      sumCounts(
        c.map((x) => x.hub),
        HUB_KEYS,
      ),
      prices,
    );
    return { ...g.label, report };
  });
}

export function reportInsights(
  ledger: Ledger,
  q: DailyQuery,
  report: DailyReport,
  prices: Prices,
  projectionCameras = DEFAULT_PROJECTION_CAMERAS,
): ReportInsights {
  const from = dayStart(q.from);
  const toStart = dayStart(q.to);
  if (from === undefined || toStart === undefined || toStart < from)
    throw new RangeError('from and to must be days YYYY-MM-DD with from ≤ to');
  const p: RecallParams = {
    from,
    to: toStart + DAY_MS,
    site: q.site ?? null,
    camera: q.camera ?? null,
  };

  const input = recallInput(ledger, p, report);
  const observed = {
    cameras: new Set(report.rows.map((r) => `${r.site}\0${r.camera}`)).size,
    days: (toStart - from) / DAY_MS + 1,
  };
  const result = projectToCameras(report.total, observed, projectionCameras);
  const byDay = groupRows(
    report.rows,
    (r) => r.day,
    (r) => ({ day: r.day }),
    prices,
  ).sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const byCamera = groupRows(
    report.rows,
    (r) => `${r.site}\0${r.camera}`,
    (r) => ({ site: r.site, camera: r.camera }),
    prices,
  );
  return {
    byDay,
    byCamera,
    recall: { input, estimate: estimateRecall(input) },
    projection: result
      ? { ok: true, observed, result }
      : { ok: false, reason: 'no camera reported in the range: nothing to project' },
    thresholds: thresholdSuggestions(ledger, p),
    quality: qualitySection(ledger, q),
  };
}
