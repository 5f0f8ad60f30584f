// Time per image for one reviewer, from stored times only. Pure.
//
// Rule: an image's time runs from when the reviewer opened the sample (POST
// /v1/qa/samples/:id/open) to their last verdict on it. Without a recorded open, it runs from
// their previous verdict on another sample (working through a queue), if that came before this
// sample's first verdict. Times above `capMs` (the reviewer walked away) are left out and
// counted as idle.

export interface SampleTimes {
  sampleId: number;
  openedAt: number | null;
  firstVerdictAt: number;
  lastVerdictAt: number;
  verdicts: number;
}

export interface Timing {
  images: number;
  actions: number;
  actionsPerImage: number | null;
  timed: number;
  fromOpen: number;
  fromPrevious: number;
  idle: number;
  medianMs: number | null;
  meanMs: number | null;
}

export const DEFAULT_CAP_MS = 30 * 60_000;

export function reviewerTiming(samples: readonly SampleTimes[], capMs = DEFAULT_CAP_MS): Timing {
  const ordered = [...samples].sort((a, b) => a.firstVerdictAt - b.firstVerdictAt);
  const times: number[] = [];
  let fromOpen = 0;
  let fromPrevious = 0;
  let idle = 0;
  let prevLast: number | null = null;
  for (const s of ordered) {
    let start: number | null = null;
    if (s.openedAt !== null && s.openedAt <= s.firstVerdictAt) {
      start = s.openedAt;
      fromOpen++;
    } else if (prevLast !== null && prevLast <= s.firstVerdictAt) {
      start = prevLast;
      fromPrevious++;
    }
    if (start !== null) {
      const t = s.lastVerdictAt - start;
      if (t > capMs) idle++;
      else times.push(t);
    }
    prevLast = Math.max(prevLast ?? 0, s.lastVerdictAt);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const h = sorted.length >> 1;
  const actions = samples.reduce((n, s) => n + s.verdicts, 0);
  return {
    images: samples.length,
    actions,
    actionsPerImage: samples.length ? actions / samples.length : null,
    timed: times.length,
    fromOpen,
    fromPrevious,
    idle,
    medianMs: sorted.length
      ? sorted.length % 2
        ? (sorted[h] ?? 0)
        : ((sorted[h - 1] ?? 0) + (sorted[h] ?? 0)) / 2
      : null,
    meanMs: times.length ? times.reduce((a, b) => a + b, 0) / times.length : null,
  };
}
