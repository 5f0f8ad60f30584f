// The daily report as CSV (RFC 4180): one line per site/camera/day and a TOTAL line, with the
// figures a spreadsheet user sums or charts. Empty cells where a ratio has no denominator.
import type { CostReport } from '../../costs/report.ts';
import type { DailyReport } from './daily.ts';

export const CSV_COLUMNS = [
  'site',
  'camera',
  'day',
  'decoded',
  'sampled',
  'gated',
  'inferred',
  'uploaded',
  'audited',
  'motion',
  'uploaded_bytes',
  'bytes_if_all_sampled_sent',
  'bytes_saved',
  'compute_seconds',
  'detections_before',
  'detections_after',
  'pretagged_frames',
  'annotation_without_pretag_usd',
  'annotation_with_pretag_usd',
  'annotation_saved_usd',
  'infrastructure_usd',
  'total_with_pretag_usd',
] as const;

function figures(r: CostReport): (number | null)[] {
  return [
    r.frames.decoded,
    r.frames.sampled,
    r.frames.gated,
    r.frames.inferred,
    r.frames.uploaded,
    r.frames.audited,
    r.frames.motion,
    r.bytes.uploaded,
    r.bytes.ifAllSampledSent,
    r.bytes.saved,
    r.infrastructure.computeSeconds,
    r.detections.before,
    r.detections.after,
    r.annotation.withPretag.pretaggedFrames,
    r.annotation.withoutPretag.usd,
    r.annotation.withPretag.usd,
    r.annotation.savedUsd,
    r.infrastructure.totalUsd,
    r.totalWithPretagUsd,
  ];
}

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  // Leading = + - @ would run as a formula in spreadsheets; ids never start so, but be sure.
  const safe = /^[=+@-]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function dailyReportCsv(report: DailyReport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of report.rows)
    lines.push([r.site, r.camera, r.day, ...figures(r.report)].map(cell).join(','));
  lines.push(
    ['TOTAL', '', `${report.from}..${report.to}`, ...figures(report.total)].map(cell).join(','),
  );
  return `${lines.join('\r\n')}\r\n`;
}
