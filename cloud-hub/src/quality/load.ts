// Reads reviewed frames and every model's boxes on them from the ledger: the edge model's boxes
// stored with the frame, the cloud detector's kept boxes, and shadow candidates' kept boxes.
import type { BoxXYXY } from '@pretag/shared/detection/types';
import { readJsonColumn } from '../ledger/json-column.ts';
import type { Ledger } from '../ledger/open.ts';
import { firstReviewer, frameTruth } from './ground-truth.ts';
import type { GtBox, LabelledBox, ReviewRow } from './ground-truth.ts';

export type ModelSource = 'edge' | 'cloud' | 'shadow';

export interface ReviewedFrame {
  frameId: string;
  site: string;
  camera: string;
  capturedAt: number;
  gt: GtBox[];
  rejected: number;
  unlocated: number;
  /** Classes the edge pre-filter looks for (its recall is measured on these only); null = all. */
  edgeClasses: string[] | null;
  /** Boxes per model that ran on the frame, keyed `${source}\0${modelId}`. */
  models: Map<string, { source: ModelSource; model: string; boxes: LabelledBox[] }>;
}

export interface QualityQuery {
  from: number;
  to: number;
  site?: string | undefined;
  camera?: string | undefined;
}

interface JoinedRow {
  id: number;
  sampleId: number;
  reviewer: string;
  verdict: ReviewRow['verdict'];
  label: string;
  score: number | null;
  box: string | null;
  createdAt: number;
  frameId: string;
  site: string;
  camera: string;
  capturedAt: number;
  receivedAt: number;
  edge: string;
  edgeModel: string;
  cloudModel: string | null;
  thresholds: string;
}

/** A stored box row (cloud or shadow detections), as the loaders select it. */
export interface BoxRow {
  model: string;
  label: string;
  score: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

function asBox(v: unknown): BoxXYXY | null {
  return Array.isArray(v) && v.length === 4 && v.every((n) => typeof n === 'number')
    ? (v as BoxXYXY)
    : null;
}

/**
 * The boxes the edge model stood behind. A frame with no accepted detection carries its weak
 * ones (below the edge's thresholds.minScore) for context; they are not the model's verdict.
 */
export function edgeBoxes(text: string, minScore: number | undefined): LabelledBox[] {
  const v = readJsonColumn(text);
  if (!Array.isArray(v)) return [];
  const out: LabelledBox[] = [];
  for (const d of v as { label?: unknown; score?: unknown; box?: unknown }[]) {
    const box = asBox(d.box);
    if (typeof d.label !== 'string' || typeof d.score !== 'number' || !box) continue;
    if (minScore !== undefined && d.score < minScore) continue;
    out.push({ label: d.label, score: d.score, box });
  }
  return out;
}

export const toBox = (r: BoxRow): LabelledBox => ({
  label: r.label,
  score: r.score,
  box: [r.x1, r.y1, r.x2, r.y2],
});

export function loadReviewedFrames(ledger: Ledger, q: QualityQuery): ReviewedFrame[] {
  const rows = ledger
    .statement<[Record<string, unknown>], JoinedRow>(
      `SELECT r.id, r.sample_id AS sampleId, r.reviewer, r.verdict, r.label, r.score, r.box,
         r.created_at AS createdAt, f.frame_id AS frameId, f.site, f.camera,
         f.captured_at_ms AS capturedAt, f.received_at AS receivedAt, f.edge_detections AS edge,
         f.model_id AS edgeModel, f.cloud_model_id AS cloudModel, f.thresholds
       FROM reviews r JOIN frames f ON f.frame_id = r.frame_id
       WHERE f.captured_at_ms >= @from AND f.captured_at_ms < @to AND f.state = 'detected'
         AND (@site IS NULL OR f.site = @site) AND (@camera IS NULL OR f.camera = @camera)
       ORDER BY r.id`,
    )
    .all({ from: q.from, to: q.to, site: q.site ?? null, camera: q.camera ?? null });
  const cloud = ledger.statement<[string], BoxRow>(
    `SELECT model_id AS model, label, score, x1, y1, x2, y2 FROM detections
     WHERE frame_id = ? AND source = 'cloud' AND coalesce(kept, 1) = 1`,
  );
  const shadowRuns = ledger.statement<[string], { model: string }>(
    'SELECT model_id AS model FROM shadow_runs WHERE frame_id = ? AND error IS NULL',
  );
  const shadow = ledger.statement<[string], BoxRow>(
    `SELECT model_id AS model, label, score, x1, y1, x2, y2 FROM shadow_detections
     WHERE frame_id = ? AND coalesce(kept, 1) = 1`,
  );
  // The frame names the model that detected it (ledger v3). For frames detected before that, a
  // run that found nothing has no row naming the model: take the production model promoted last
  // before the frame arrived, else the cloud model that detected last.
  const promotedBefore = ledger.statement<[number], { model: string }>(
    'SELECT to_model AS model FROM model_promotions WHERE at <= ? ORDER BY id DESC LIMIT 1',
  );
  const lastCloud = ledger
    .statement<[], { model: string }>(
      `SELECT model_id AS model FROM detections WHERE source = 'cloud' ORDER BY id DESC LIMIT 1`,
    )
    .get()?.model;

  const reviews: (ReviewRow & { frame: JoinedRow })[] = rows.map((r) => ({
    id: r.id,
    sampleId: r.sampleId,
    reviewer: r.reviewer,
    verdict: r.verdict,
    label: r.label,
    score: r.score,
    box: asBox(readJsonColumn(r.box)),
    createdAt: r.createdAt,
    frame: r,
  }));
  const first = firstReviewer(reviews);
  const bySample = new Map<number, (ReviewRow & { frame: JoinedRow })[]>();
  for (const r of reviews) {
    if (first.get(r.sampleId) !== r.reviewer) continue;
    const list = bySample.get(r.sampleId);
    if (list) list.push(r);
    else bySample.set(r.sampleId, [r]);
  }
  const out: ReviewedFrame[] = [];
  const seenFrames = new Set<string>();
  for (const list of bySample.values()) {
    const f = (list[0] as ReviewRow & { frame: JoinedRow }).frame;
    // A frame sampled into two batches counts once.
    if (seenFrames.has(f.frameId)) continue;
    seenFrames.add(f.frameId);
    const cloudRows = cloud.all(f.frameId);
    const cloudBoxes = cloudRows.map(toBox);
    const truth = frameTruth(list, cloudBoxes);
    const th = readJsonColumn(f.thresholds) as { classes?: unknown; minScore?: unknown } | null;
    const models: ReviewedFrame['models'] = new Map();
    models.set(`edge\0${f.edgeModel}`, {
      source: 'edge',
      model: f.edgeModel,
      boxes: edgeBoxes(f.edge, typeof th?.minScore === 'number' ? th.minScore : undefined),
    });
    const cloudModel =
      f.cloudModel ?? cloudRows[0]?.model ?? promotedBefore.get(f.receivedAt)?.model ?? lastCloud;
    if (cloudModel !== undefined)
      models.set(`cloud\0${cloudModel}`, { source: 'cloud', model: cloudModel, boxes: cloudBoxes });
    const sh = shadow.all(f.frameId);
    for (const run of shadowRuns.all(f.frameId))
      models.set(`shadow\0${run.model}`, {
        source: 'shadow',
        model: run.model,
        boxes: sh.filter((b) => b.model === run.model).map(toBox),
      });
    const edgeClasses =
      th && Array.isArray(th.classes) && th.classes.every((c) => typeof c === 'string')
        ? th.classes
        : null;
    out.push({
      frameId: f.frameId,
      site: f.site,
      camera: f.camera,
      capturedAt: f.capturedAt,
      gt: truth.boxes,
      rejected: truth.rejected,
      unlocated: truth.unlocated,
      edgeClasses,
      models,
    });
  }
  return out.sort((a, b) => a.capturedAt - b.capturedAt || (a.frameId < b.frameId ? -1 : 1));
}
