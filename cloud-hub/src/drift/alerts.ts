// Drift alerts for one camera, week against week. Pure.
//
// Stated rule: the class mix uses the chi-square test of homogeneity of class-mix.ts; the score
// distribution uses the two-sample KS test. Each raises an alert when its p-value is below
// alpha AND the effect is large enough to matter (Cramér's V ≥ minEffect for the class mix,
// KS D ≥ minEffect for scores), because with thousands of boxes a week any trivial change is
// "significant". Samples below minCount (boxes per week) are not tested. The alert names the
// class whose share moved most, in percentage points, or the KS D and the median score shift.
// Scores arrive as counts over 100 bins of width 0.01 (ks.ts), so the ledger can sum them.
import { classMixTest } from './class-mix.ts';
import type { ClassMixResult } from './class-mix.ts';
import { histogramMedian, ksFromHistograms } from './ks.ts';

export interface DriftSettings {
  alpha: number;
  minEffect: number;
  minCount: number;
}

export const DEFAULT_DRIFT: DriftSettings = { alpha: 0.01, minEffect: 0.1, minCount: 50 };

export interface CameraWeeks {
  site: string;
  camera: string;
  /** Boxes per class, and boxes per score bin (scoreHistogram). */
  previous: { counts: Record<string, number>; scoreBins: number[] };
  current: { counts: Record<string, number>; scoreBins: number[] };
}

export interface ShareMove {
  class: string;
  previousShare: number;
  currentShare: number;
  /** current − previous, in percentage points. */
  points: number;
}

export interface CameraDrift {
  site: string;
  camera: string;
  classMix: ClassMixResult & { cramersV: number | null; moved: ShareMove | null; alert: boolean };
  scores:
    | {
        tested: true;
        n: number;
        m: number;
        d: number;
        pValue: number;
        previousMedian: number;
        currentMedian: number;
        alert: boolean;
      }
    | { tested: false; reason: string; alert: false };
  alert: boolean;
  /** One line per alert, naming the camera, what moved, by how much and the p-value. */
  messages: string[];
}

/** The class whose share of all boxes changed most between the weeks. */
export function largestShareMove(
  previous: Readonly<Record<string, number>>,
  current: Readonly<Record<string, number>>,
): ShareMove | null {
  const tp = Object.values(previous).reduce((s, v) => s + v, 0);
  const tc = Object.values(current).reduce((s, v) => s + v, 0);
  if (tp === 0 || tc === 0) return null;
  let best: ShareMove | null = null;
  for (const c of [...new Set([...Object.keys(previous), ...Object.keys(current)])].sort()) {
    const ps = (previous[c] ?? 0) / tp;
    const cs = (current[c] ?? 0) / tc;
    const points = (cs - ps) * 100;
    if (!best || Math.abs(points) > Math.abs(best.points))
      best = { class: c, previousShare: ps, currentShare: cs, points };
  }
  return best;
}

const fmtP = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

export function cameraDrift(w: CameraWeeks, s: DriftSettings = DEFAULT_DRIFT): CameraDrift {
  const mix = classMixTest(w.previous.counts, w.current.counts, {
    alpha: s.alpha,
    minPerWeek: s.minCount,
  });
  const moved = largestShareMove(w.previous.counts, w.current.counts);
  // Cramér's V for a 2 × k table: √(χ² / (n · (min(2, k) − 1))) = √(χ² / n).
  const cramersV = mix.tested
    ? Math.sqrt(mix.statistic / [...mix.previous, ...mix.current].reduce((a, b) => a + b, 0))
    : null;
  const mixAlert = mix.tested && mix.pValue < s.alpha && (cramersV ?? 0) >= s.minEffect;
  const messages: string[] = [];
  const name = `${w.site}/${w.camera}`;
  if (mixAlert && moved)
    messages.push(
      `${name}: class mix moved; ${moved.class} share ${(moved.previousShare * 100).toFixed(1)} % → ${(moved.currentShare * 100).toFixed(1)} % (${moved.points >= 0 ? '+' : ''}${moved.points.toFixed(1)} points), Cramér's V ${(cramersV ?? 0).toFixed(2)}, chi-square p = ${fmtP(mix.tested ? mix.pValue : 1)}`,
    );

  let scores: CameraDrift['scores'];
  const a = w.previous.scoreBins;
  const b = w.current.scoreBins;
  const na = a.reduce((x, y) => x + y, 0);
  const nb = b.reduce((x, y) => x + y, 0);
  const ks = na >= s.minCount && nb >= s.minCount ? ksFromHistograms(a, b) : undefined;
  if (!ks)
    scores = {
      tested: false,
      alert: false,
      reason: `too few scores to test (${na} the week before, ${nb} this week; need ${s.minCount} each)`,
    };
  else {
    const alert = ks.pValue < s.alpha && ks.d >= s.minEffect;
    scores = {
      tested: true,
      ...ks,
      previousMedian: histogramMedian(a),
      currentMedian: histogramMedian(b),
      alert,
    };
    if (alert)
      messages.push(
        `${name}: score distribution moved; KS D = ${ks.d.toFixed(3)}, median score ${histogramMedian(a).toFixed(3)} → ${histogramMedian(b).toFixed(3)}, p = ${fmtP(ks.pValue)}`,
      );
  }
  return {
    site: w.site,
    camera: w.camera,
    classMix: { ...mix, cramersV, moved, alert: mixAlert },
    scores,
    alert: mixAlert || scores.alert,
    messages,
  };
}
