// Daily cost rows per site, camera and UTC day, read from the ledger and priced by the costs
// module. Edge counters come from the stats messages (edge_stats); bytes, compute time and
// detections from the frames the hub stored. Days are UTC days of capture time.
import type { CostReport, EdgeCounts, HubCounts, Prices } from '../../costs/report.ts';
import { costReport, sumCounts } from '../../costs/report.ts';
import type { Ledger } from '../../ledger/open.ts';

const DAY_MS = 86_400_000;

export interface DailyRow {
  site: string;
  camera: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  report: CostReport;
}

export interface DailyReport {
  from: string;
  to: string;
  rows: DailyRow[];
  total: CostReport;
}

export interface DailyQuery {
  /** First and last day, YYYY-MM-DD, inclusive. */
  from: string;
  to: string;
  site?: string;
  camera?: string;
}

/** Edge counters a report row sums; insights.ts re-aggregates the same ones. */
export const EDGE_KEYS = [
  'decoded',
  'sampled',
  'gated',
  'inferred',
  'uploaded',
  'audited',
  'motion',
] as const;
export const HUB_KEYS = [
  'uploadedBytes',
  'computeSeconds',
  'detectionsBefore',
  'detectionsAfter',
  'pretaggedFrames',
] as const;

/** Start of the UTC day `YYYY-MM-DD` in ms, or undefined when it is not a real date. */
export function dayStart(day: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === day ? t : undefined;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface HubRow {
  site: string;
  camera: string;
  d: number;
  uploadedBytes?: number;
  computeMs?: number;
  before?: number;
  after?: number;
  pretagged?: number;
}

export function dailyReport(ledger: Ledger, q: DailyQuery, prices: Prices): DailyReport {
  const from = dayStart(q.from);
  const toStart = dayStart(q.to);
  if (from === undefined || toStart === undefined || toStart < from)
    throw new RangeError('from and to must be days YYYY-MM-DD with from ≤ to');
  const to = toStart + DAY_MS;
  const p = { from, to, site: q.site ?? null, camera: q.camera ?? null };
  const WHERE = `f.captured_at_ms >= @from AND f.captured_at_ms < @to
    AND (@site IS NULL OR f.site = @site) AND (@camera IS NULL OR f.camera = @camera)`;
  const GROUP = 'GROUP BY f.site, f.camera, f.captured_at_ms / 86400000';
  const bytes = ledger
    .statement<[typeof p], HubRow>(
      `SELECT f.site, f.camera, f.captured_at_ms / 86400000 AS d, sum(f.bytes) AS uploadedBytes
       FROM frames f WHERE ${WHERE} ${GROUP}`,
    )
    .all(p);
  const compute = ledger
    .statement<[typeof p], HubRow>(
      `SELECT f.site, f.camera, f.captured_at_ms / 86400000 AS d, sum(j.compute_ms) AS computeMs
       FROM jobs j JOIN frames f ON f.frame_id = j.frame_id
       WHERE j.state = 'done' AND ${WHERE} ${GROUP}`,
    )
    .all(p);
  const dets = ledger
    .statement<[typeof p], HubRow>(
      `SELECT f.site, f.camera, f.captured_at_ms / 86400000 AS d, count(*) AS before,
         sum(coalesce(x.kept, 1)) AS after,
         count(DISTINCT CASE WHEN coalesce(x.kept, 1) = 1 THEN x.frame_id END) AS pretagged
       FROM detections x JOIN frames f ON f.frame_id = x.frame_id
       WHERE x.source = 'cloud' AND ${WHERE} ${GROUP}`,
    )
    .all(p);

  const cells = new Map<
    string,
    { site: string; camera: string; day: string; edge: EdgeCounts; hub: HubCounts }
  >();
  const cell = (site: string, camera: string, day: string) => {
    const k = `${site}\0${camera}\0${day}`;
    let c = cells.get(k);
    if (!c) {
      c = {
        site,
        camera,
        day,
        edge: { decoded: 0, sampled: 0, gated: 0, inferred: 0, uploaded: 0, audited: 0, motion: 0 },
        hub: {
          uploadedBytes: 0,
          computeSeconds: 0,
          detectionsBefore: 0,
          detectionsAfter: 0,
          pretaggedFrames: 0,
        },
      };
      cells.set(k, c);
    }
    return c;
  };
  for (const r of ledger.edgeStats.between(from, to, q.site)) {
    if (q.camera !== undefined && r.camera !== q.camera) continue;
    const e = cell(r.site, r.camera, dayOf(r.hourStart)).edge;
    for (const k of EDGE_KEYS) e[k] += r[k];
  }
  for (const r of bytes)
    cell(r.site, r.camera, dayOf(r.d * DAY_MS)).hub.uploadedBytes += r.uploadedBytes ?? 0;
  for (const r of compute)
    cell(r.site, r.camera, dayOf(r.d * DAY_MS)).hub.computeSeconds += (r.computeMs ?? 0) / 1000;
  for (const r of dets) {
    const h = cell(r.site, r.camera, dayOf(r.d * DAY_MS)).hub;
    h.detectionsBefore += r.before ?? 0;
    h.detectionsAfter += r.after ?? 0;
    h.pretaggedFrames += r.pretagged ?? 0;
  }
  const sorted = [...cells.values()].sort((a, b) =>
    a.site !== b.site
      ? a.site < b.site
        ? -1
        : 1
      : a.camera !== b.camera
        ? a.camera < b.camera
          ? -1
          : 1
        : a.day < b.day
          ? -1
          : a.day > b.day
            ? 1
            : 0,
  );
  const rows = sorted.map((c) => ({
    site: c.site,
    camera: c.camera,
    day: c.day,
    report: costReport(c.edge, c.hub, prices),
  }));
  const total = costReport(
    sumCounts(
      sorted.map((c) => c.edge),
      EDGE_KEYS,
    ),
    sumCounts(
      sorted.map((c) => c.hub),
      HUB_KEYS,
    ),
    prices,
  );
  return { from: q.from, to: q.to, rows, total };
}
