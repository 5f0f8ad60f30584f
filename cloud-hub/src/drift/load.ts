// Reads each camera's kept cloud boxes for two consecutive 7-day windows (the week ending on
// day `to`, as in /v1/drift/class-mix, and the week before) and tests them for drift.
import type { Ledger } from '../ledger/open.ts';
import { cameraDrift } from './alerts.ts';
import type { CameraDrift, CameraWeeks, DriftSettings } from './alerts.ts';
import { SCORE_BINS } from './ks.ts';

const DAY_MS = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export interface DriftReport {
  test: string;
  settings: DriftSettings;
  weeks: { previous: { from: string; to: string }; current: { from: string; to: string } };
  cameras: CameraDrift[];
  alerts: {
    site: string;
    camera: string;
    kind: 'class-mix' | 'scores';
    message: string;
    pValue: number;
  }[];
}

interface CountRow {
  site: string;
  camera: string;
  key: string | number;
  cur: number;
  n: number;
}

/** `endMs`: the end (exclusive) of the current week. */
export function driftReport(
  ledger: Ledger,
  endMs: number,
  settings: DriftSettings,
  filter: { site?: string | undefined; camera?: string | undefined } = {},
): DriftReport {
  const mid = endMs - 7 * DAY_MS;
  const from = endMs - 14 * DAY_MS;
  const p = { from, mid, to: endMs, site: filter.site ?? null, camera: filter.camera ?? null };
  // Counted in SQL (per class, and per score bin) so a busy camera's boxes never reach JS.
  const FROM = `FROM frames f JOIN detections x ON x.frame_id = f.frame_id
       WHERE x.source = 'cloud' AND coalesce(x.kept, 1) = 1
         AND f.captured_at_ms >= @from AND f.captured_at_ms < @to
         AND (@site IS NULL OR f.site = @site) AND (@camera IS NULL OR f.camera = @camera)`;
  const labels = ledger
    .statement<[typeof p], CountRow>(
      `SELECT f.site, f.camera, x.label AS key, (f.captured_at_ms >= @mid) AS cur, count(*) AS n
       ${FROM} GROUP BY f.site, f.camera, x.label, cur`,
    )
    .all(p);
  const bins = ledger
    .statement<[typeof p], CountRow>(
      `SELECT f.site, f.camera, min(${SCORE_BINS - 1}, max(0, CAST(x.score * ${SCORE_BINS} AS INTEGER))) AS key,
         (f.captured_at_ms >= @mid) AS cur, count(*) AS n
       ${FROM} GROUP BY f.site, f.camera, key, cur`,
    )
    .all(p);
  const cams = new Map<string, CameraWeeks>();
  const camera = (r: CountRow): CameraWeeks => {
    const k = `${r.site}\0${r.camera}`;
    let c = cams.get(k);
    if (!c)
      cams.set(
        k,
        (c = {
          site: r.site,
          camera: r.camera,
          previous: { counts: {}, scoreBins: new Array<number>(SCORE_BINS).fill(0) },
          current: { counts: {}, scoreBins: new Array<number>(SCORE_BINS).fill(0) },
        }),
      );
    return c;
  };
  for (const r of labels) {
    const w = r.cur ? camera(r).current : camera(r).previous;
    w.counts[String(r.key)] = r.n;
  }
  for (const r of bins) {
    const w = r.cur ? camera(r).current : camera(r).previous;
    w.scoreBins[Number(r.key)] = r.n;
  }
  const cameras = [...cams.values()]
    .sort((a, b) => (a.site + a.camera < b.site + b.camera ? -1 : 1))
    .map((c) => cameraDrift(c, settings));
  const alerts: DriftReport['alerts'] = [];
  for (const c of cameras) {
    if (c.classMix.alert && c.classMix.tested)
      alerts.push({
        site: c.site,
        camera: c.camera,
        kind: 'class-mix',
        message: c.messages[0] ?? '',
        pValue: c.classMix.pValue,
      });
    if (c.scores.alert && c.scores.tested)
      alerts.push({
        site: c.site,
        camera: c.camera,
        kind: 'scores',
        message: c.messages.at(-1) ?? '',
        pValue: c.scores.pValue,
      });
  }
  return {
    test: "class mix: chi-square test of homogeneity (rare classes pooled) with Cramér's V; scores: two-sample Kolmogorov–Smirnov; alert when p < alpha and effect ≥ minEffect",
    settings,
    weeks: {
      previous: { from: day(from), to: day(mid - DAY_MS) },
      current: { from: day(mid), to: day(endMs - DAY_MS) },
    },
    cameras,
    alerts,
  };
}
