// What a replay reports: counts per stage from the frame records (so the summary always agrees
// with decisions.jsonl), timings, and a short table for the terminal. Pure.
import type { FrameRecord, PipelineCounts } from '../pipeline/camera-pipeline.ts';

export interface ReplayTiming {
  wallMs: number;
  /** Time the loop spent waiting for the decoder: what decoding alone costs, at most. */
  decodeWaitMs: number;
  /** Pre-filter detector time (all inferences it ran). */
  inferenceMs: number;
  /** Face detector time (it runs on uploaded frames of redacting cameras); part of redactEncodeMs. */
  faceInferenceMs: number;
  /** Redaction (face detector + obscure) and JPEG encoding time. */
  redactEncodeMs: number;
}

export interface ReplaySummary {
  camera: string;
  video: string;
  config: string;
  start: string;
  durationS: number;
  model: string;
  counts: {
    decoded: number;
    sampled: number;
    gated: number;
    inferred: number;
    uploaded: number;
    uploadedByReason: Record<string, number>;
    audited: number;
    keepalive: number;
    skipped: Record<string, number>;
    redactionDropped: number;
    errors: number;
  };
  uploadedBytes: number;
  /** uploaded / sampled. */
  uploadRatio: number;
  timing: ReplayTiming;
}

export interface SummaryInput {
  camera: string;
  video: string;
  config: string;
  start: Date;
  durationS: number;
  model: string;
  records: readonly FrameRecord[];
  counts: PipelineCounts;
  timing: ReplayTiming;
}

function bump(r: Record<string, number>, key: string | undefined): void {
  if (key !== undefined) r[key] = (r[key] ?? 0) + 1;
}

export function summarise(i: SummaryInput): ReplaySummary {
  const uploadedByReason: Record<string, number> = { prefilter: 0, motion: 0, audit: 0 };
  const skipped: Record<string, number> = {};
  let gated = 0;
  let inferred = 0;
  let uploaded = 0;
  let keepalive = 0;
  let errors = 0;
  let dropped = 0;
  let bytes = 0;
  for (const r of i.records) {
    if (r.gate === 'open') gated++;
    if (r.inferred) inferred++;
    if (r.decision === 'upload') {
      uploaded++;
      bump(uploadedByReason, r.reason);
      if (r.keepalive) keepalive++;
      bytes += r.bytes ?? 0;
    } else if (r.decision === 'skip') bump(skipped, r.skipReason);
    else if (r.decision === 'dropped') dropped++;
    else errors++;
  }
  const sampled = i.records.length;
  return {
    camera: i.camera,
    video: i.video,
    config: i.config,
    start: i.start.toISOString(),
    durationS: i.durationS,
    model: i.model,
    counts: {
      decoded: i.counts.decoded,
      sampled,
      gated,
      inferred,
      uploaded,
      uploadedByReason,
      audited: uploadedByReason.audit ?? 0,
      keepalive,
      skipped,
      redactionDropped: dropped,
      errors,
    },
    uploadedBytes: bytes,
    uploadRatio: sampled > 0 ? uploaded / sampled : 0,
    timing: i.timing,
  };
}

const pct = (n: number, of: number) => (of > 0 ? `${((100 * n) / of).toFixed(1)} %` : '-');

/** A short table for the terminal. */
export function formatSummary(s: ReplaySummary): string {
  const c = s.counts;
  const rows: [string, string, string][] = [
    ['decoded', String(c.decoded), ''],
    ['sampled', String(c.sampled), '100 %'],
    ['gate open', String(c.gated), pct(c.gated, c.sampled)],
    ['inferred', String(c.inferred), pct(c.inferred, c.sampled)],
    ['uploaded', String(c.uploaded), pct(c.uploaded, c.sampled)],
    ...Object.entries(c.uploadedByReason).map(([k, v]): [string, string, string] => [
      `  ${k}`,
      String(v),
      pct(v, c.sampled),
    ]),
    ...Object.entries(c.skipped).map(([k, v]): [string, string, string] => [
      `skipped ${k}`,
      String(v),
      pct(v, c.sampled),
    ]),
  ];
  if (c.redactionDropped) rows.push(['dropped (redaction)', String(c.redactionDropped), '']);
  if (c.errors) rows.push(['frame errors', String(c.errors), '']);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const t = s.timing;
  const lines = [
    `replay ${s.camera}: ${s.video} (${s.durationS.toFixed(1)} s, model ${s.model})`,
    ...rows.map(([a, b, p]) => `  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${p}`.trimEnd()),
    `  upload ratio ${(100 * s.uploadRatio).toFixed(1)} %, ${(s.uploadedBytes / 1024).toFixed(0)} KiB of JPEG`,
    `  wall ${(t.wallMs / 1000).toFixed(2)} s (decode wait ${(t.decodeWaitMs / 1000).toFixed(2)} s, inference ${(t.inferenceMs / 1000).toFixed(2)} s, redact+encode ${(t.redactEncodeMs / 1000).toFixed(2)} s of which face detector ${(t.faceInferenceMs / 1000).toFixed(2)} s)`,
  ];
  return lines.join('\n');
}
