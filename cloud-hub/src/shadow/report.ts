// The shadow comparison: on frames the candidate ran on, agreement with production per class;
// on those of them that were reviewed, both models' AP50 (and precision/recall) side by side.
import type { Ledger } from '../ledger/open.ts';
import { evaluateModel } from '../quality/evaluate.ts';
import type { ModelQuality } from '../quality/evaluate.ts';
import type { LabelledBox } from '../quality/ground-truth.ts';
import { loadReviewedFrames, toBox } from '../quality/load.ts';
import type { BoxRow } from '../quality/load.ts';
import type { QualitySettings } from '../quality/report.ts';
import { frameAgreement, sumAgreement } from './agreement.ts';
import type { ClassAgreement } from './agreement.ts';

export interface ShadowComparison {
  candidate: string;
  from: number;
  to: number;
  rule: string;
  /** Frames the candidate ran on (no error) in the range; failed runs counted apart. */
  frames: number;
  failedRuns: number;
  production: string[];
  agreement: ClassAgreement[];
  reviewed: {
    frames: number;
    production: ModelQuality | null;
    candidate: ModelQuality | null;
  };
}

interface FrameBoxRow extends BoxRow {
  frameId: string;
}

function group(rows: readonly FrameBoxRow[]): Map<string, LabelledBox[]> {
  const m = new Map<string, LabelledBox[]>();
  for (const r of rows) {
    const l = m.get(r.frameId);
    if (l) l.push(toBox(r));
    else m.set(r.frameId, [toBox(r)]);
  }
  return m;
}

/** Candidate models that have shadow runs, most recent first. */
export function shadowModels(
  ledger: Ledger,
): { model: string; frames: number; lastRunAt: number }[] {
  return ledger
    .statement<[], { model: string; frames: number; lastRunAt: number }>(
      `SELECT model_id AS model, count(*) AS frames, max(ran_at) AS lastRunAt FROM shadow_runs
       WHERE error IS NULL GROUP BY model_id ORDER BY lastRunAt DESC`,
    )
    .all();
}

/** Range in capture time [from, to) ms. */
export function shadowComparison(
  ledger: Ledger,
  candidate: string,
  range: { from: number; to: number; camera?: string | undefined },
  settings: QualitySettings,
): ShadowComparison {
  const p = { model: candidate, from: range.from, to: range.to, camera: range.camera ?? null };
  const IN = `f.captured_at_ms >= @from AND f.captured_at_ms < @to AND (@camera IS NULL OR f.camera = @camera)`;
  const runs = ledger
    .statement<[typeof p], { frameId: string; error: string | null }>(
      `SELECT s.frame_id AS frameId, s.error FROM shadow_runs s JOIN frames f ON f.frame_id = s.frame_id
       WHERE s.model_id = @model AND ${IN} ORDER BY f.captured_at_ms, s.frame_id`,
    )
    .all(p);
  const ok = runs.filter((r) => r.error === null).map((r) => r.frameId);
  const cand = group(
    ledger
      .statement<[typeof p], FrameBoxRow>(
        `SELECT s.frame_id AS frameId, s.model_id AS model, s.label, s.score, s.x1, s.y1, s.x2, s.y2
         FROM shadow_detections s JOIN frames f ON f.frame_id = s.frame_id
         WHERE s.model_id = @model AND coalesce(s.kept, 1) = 1 AND ${IN}`,
      )
      .all(p),
  );
  const prodRows = ledger
    .statement<[typeof p], FrameBoxRow>(
      `SELECT x.frame_id AS frameId, x.model_id AS model, x.label, x.score, x.x1, x.y1, x.x2, x.y2
       FROM detections x JOIN frames f ON f.frame_id = x.frame_id
       WHERE x.source = 'cloud' AND coalesce(x.kept, 1) = 1 AND ${IN}
         AND EXISTS (SELECT 1 FROM shadow_runs s WHERE s.frame_id = x.frame_id AND s.model_id = @model)`,
    )
    .all(p);
  const prod = group(prodRows);
  const agreement = sumAgreement(
    ok.map((id) => frameAgreement(prod.get(id) ?? [], cand.get(id) ?? [])),
  );

  const okSet = new Set(ok);
  const reviewed = loadReviewedFrames(ledger, range).filter((f) => okSet.has(f.frameId));
  const opts = { minReviews: settings.minReviews, confidence: settings.confidence };
  const side = (boxes: (id: string) => LabelledBox[]) =>
    reviewed.length
      ? evaluateModel(
          reviewed.map((f) => ({ gt: f.gt, dets: boxes(f.frameId) })),
          opts,
        )
      : null;
  return {
    candidate,
    from: range.from,
    to: range.to,
    rule: 'per class, boxes matched greedily by IoU ≥ 0.5 (highest first, each once); agreement = matched / (production + candidate − matched); both sides are boxes kept by the same cleanup rules',
    frames: ok.length,
    failedRuns: runs.length - ok.length,
    production: [...new Set(prodRows.map((r) => r.model))].sort(),
    agreement,
    reviewed: {
      frames: reviewed.length,
      production: side((id) => prod.get(id) ?? []),
      candidate: side((id) => cand.get(id) ?? []),
    },
  };
}
