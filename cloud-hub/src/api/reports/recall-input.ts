// The pre-filter recall inputs (see costs/recall.ts) read from the ledger for a range, site and
// camera, where "an object of interest" is any cloud box that survived cleanup:
//   P  prefilter frames in range whose cloud detections kept a box;
//   R  frames the pre-filter rejected = inferred − (uploaded − audited − motion), from edge stats;
//   A  audit frames the cloud has detected;  m  those of them with a kept box.
// Used by the daily report's insights and by the quality report (per camera and week).
import type { RecallInput } from '../../costs/recall.ts';
import type { Ledger } from '../../ledger/open.ts';
import type { DailyReport } from './daily.ts';

export interface RecallParams {
  from: number;
  to: number;
  site: string | null;
  camera: string | null;
}

const IN_RANGE = `f.captured_at_ms >= @from AND f.captured_at_ms < @to
  AND (@site IS NULL OR f.site = @site) AND (@camera IS NULL OR f.camera = @camera)`;
const HAS_KEPT = `EXISTS (SELECT 1 FROM detections x WHERE x.frame_id = f.frame_id
  AND x.source = 'cloud' AND coalesce(x.kept, 1) = 1)`;

/** Recall inputs over [from, to) ms; `report` gives the edge counters of the same range. */
export function recallInput(ledger: Ledger, p: RecallParams, report: DailyReport): RecallInput {
  const one = (sql: string) =>
    ledger.statement<[RecallParams], { n: number | null }>(sql).get(p)?.n ?? 0;
  const positives = one(
    `SELECT count(*) AS n FROM frames f WHERE f.reason = 'prefilter' AND ${IN_RANGE} AND ${HAS_KEPT}`,
  );
  const audited = one(
    `SELECT count(*) AS n FROM frames f WHERE f.reason = 'audit' AND f.state = 'detected' AND ${IN_RANGE}`,
  );
  const misses = one(
    `SELECT count(*) AS n FROM frames f WHERE f.reason = 'audit' AND f.state = 'detected'
       AND ${IN_RANGE} AND ${HAS_KEPT}`,
  );
  const e = report.total.frames;
  const passed = e.uploaded - e.audited - e.motion;
  return { positives, rejected: Math.max(0, e.inferred - passed), audited, misses };
}
