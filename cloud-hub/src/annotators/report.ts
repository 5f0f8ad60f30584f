// Annotator metrics over reviews written in a time range: time and actions per image per
// reviewer, agreement on double-reviewed samples, and who is far from the consensus.
import type { BoxXYXY } from '@pretag/shared/detection/types';
import type { Ledger } from '../ledger/open.ts';
import { frameTruth } from '../quality/ground-truth.ts';
import type { LabelledBox, ReviewRow } from '../quality/ground-truth.ts';
import { DEFAULT_FLAG, boxAgreement, reviewerAgreement } from './agreement.ts';
import type { FlagSettings, PairResult, ReviewerAgreement } from './agreement.ts';
import { DEFAULT_CAP_MS, reviewerTiming } from './timing.ts';
import type { SampleTimes, Timing } from './timing.ts';

export interface AnnotatorReport {
  from: number;
  to: number;
  rules: string[];
  reviewers: (Timing & ReviewerAgreement)[];
  pairs: PairResult[];
  /** Mean agreement over all double-reviewed samples. */
  overallAgreement: number | null;
}

interface Row extends Omit<ReviewRow, 'box'> {
  box: string | null;
  frameId: string;
}

function asBox(text: string | null): BoxXYXY | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) && v.length === 4 && v.every((n) => typeof n === 'number')
      ? (v as BoxXYXY)
      : null;
  } catch {
    return null;
  }
}

export function annotatorReport(
  ledger: Ledger,
  range: { from: number; to: number },
  o: { flag?: FlagSettings; capMs?: number } = {},
): AnnotatorReport {
  const flag = o.flag ?? DEFAULT_FLAG;
  const capMs = o.capMs ?? DEFAULT_CAP_MS;
  const rows = ledger
    .statement<[Record<string, unknown>], Row>(
      `SELECT id, sample_id AS sampleId, frame_id AS frameId, reviewer, verdict, label, score, box,
         created_at AS createdAt
       FROM reviews WHERE created_at >= @from AND created_at < @to ORDER BY id`,
    )
    .all(range);
  const opens = ledger.statement<[number, string], { at: number }>(
    'SELECT opened_at AS at FROM review_opens WHERE sample_id = ? AND reviewer = ?',
  );
  const cloud = ledger.statement<
    [string],
    { label: string; score: number; x1: number; y1: number; x2: number; y2: number }
  >(
    `SELECT label, score, x1, y1, x2, y2 FROM detections
     WHERE frame_id = ? AND source = 'cloud' AND coalesce(kept, 1) = 1`,
  );

  // sample → reviewer → reviews
  const bySample = new Map<number, Map<string, ReviewRow[]>>();
  const frameOf = new Map<number, string>();
  for (const r of rows) {
    frameOf.set(r.sampleId, r.frameId);
    let m = bySample.get(r.sampleId);
    if (!m) bySample.set(r.sampleId, (m = new Map<string, ReviewRow[]>()));
    const list = m.get(r.reviewer) ?? [];
    list.push({ ...r, box: asBox(r.box) });
    m.set(r.reviewer, list);
  }

  const perReviewer = new Map<string, SampleTimes[]>();
  const pairs: PairResult[] = [];
  for (const [sampleId, m] of bySample) {
    for (const [reviewer, list] of m) {
      const times = list.map((r) => r.createdAt);
      const t: SampleTimes = {
        sampleId,
        openedAt: opens.get(sampleId, reviewer)?.at ?? null,
        firstVerdictAt: Math.min(...times),
        lastVerdictAt: Math.max(...times),
        verdicts: list.length,
      };
      const l = perReviewer.get(reviewer);
      if (l) l.push(t);
      else perReviewer.set(reviewer, [t]);
    }
    if (m.size >= 2) {
      const boxes: LabelledBox[] = cloud
        .all(frameOf.get(sampleId) ?? '')
        .map((c) => ({ label: c.label, score: c.score, box: [c.x1, c.y1, c.x2, c.y2] }));
      // The first two reviewers (by their first verdict) form the pair.
      const two = [...m.entries()]
        .sort((a, b) => Math.min(...a[1].map((r) => r.id)) - Math.min(...b[1].map((r) => r.id)))
        .slice(0, 2);
      const [a, b] = two as [[string, ReviewRow[]], [string, ReviewRow[]]];
      pairs.push({
        sampleId,
        reviewers: [a[0], b[0]],
        agreement: boxAgreement(frameTruth(a[1], boxes).boxes, frameTruth(b[1], boxes).boxes),
      });
    }
  }
  const names = [...perReviewer.keys()].sort();
  const agreement = new Map(reviewerAgreement(pairs, names, flag).map((r) => [r.reviewer, r]));
  return {
    from: range.from,
    to: range.to,
    rules: [
      `time per image: from the reviewer opening the sample (POST /v1/qa/samples/{id}/open) to their last verdict on it; without an open, from their previous verdict on another sample; spans above ${capMs / 60_000} min count as idle and are left out`,
      'actions per image: verdicts (accept, reject, fix, add missed) per sample reviewed',
      "agreement on a double-reviewed sample: Dice coefficient of the two reviewers' ground-truth boxes (same label, IoU ≥ 0.5), 1 when both found nothing",
      `flagged: at least ${flag.minSamples} double-reviewed samples and mean agreement more than ${flag.gap} below the mean of the pairs without them (or below ${flag.floor} when there are no such pairs)`,
    ],
    reviewers: names.map((n) => ({
      ...reviewerTiming(perReviewer.get(n) ?? [], capMs),
      ...(agreement.get(n) as ReviewerAgreement),
    })),
    pairs,
    overallAgreement: pairs.length
      ? pairs.reduce((s, p) => s + p.agreement, 0) / pairs.length
      : null,
  };
}
