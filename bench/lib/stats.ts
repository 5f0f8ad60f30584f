// The arithmetic behind each reported figure. Pure, so it is tested with hand-computed numbers.

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] as number;
  return sorted.length % 2 ? hi : ((sorted[mid - 1] as number) + hi) / 2;
}

export interface CaseSummary {
  baselineMedian: number;
  subjectMedian: number;
  /** Median of the per-repeat subject/baseline ratios: each pair ran back to back on the same load. */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
}

/** Pairs repeat i of the baseline with repeat i of the subject. */
export function summarize(baseline: readonly number[], subject: readonly number[]): CaseSummary {
  if (baseline.length === 0 || baseline.length !== subject.length) {
    throw new RangeError(
      `need the same number (≥1) of baseline and subject samples, got ${baseline.length} and ${subject.length}`,
    );
  }
  const ratios = baseline.map((b, i) => ratioOf(subject[i] as number, b));
  return {
    baselineMedian: median(baseline),
    subjectMedian: median(subject),
    ratio: median(ratios),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
  };
}

export function ratioOf(subject: number, baseline: number): number {
  if (!(baseline > 0) || !(subject >= 0))
    throw new RangeError(`cannot take ratio ${subject}/${baseline}`);
  return subject / baseline;
}
