// Has a camera's detection mix drifted? Pearson's chi-square test of homogeneity on a 2 × k table
// of detections per class, one row per week. Pure.
//
// Stated test: classes whose expected count is below 5 in either week are pooled into one
// "(other)" column (the chi-square approximation needs expected counts of about 5); the pooled
// column is dropped if it is still below 5. With k columns left, df = k − 1 and the p-value is
// the chi-square upper tail. A camera is "drifted" when p < alpha (default 0.01). Weeks with
// fewer than `minPerWeek` detections, or fewer than two columns, are not tested.

export interface ClassMixOptions {
  /** Significance level; default 0.01. */
  alpha?: number;
  /** Fewest detections a week needs for a test; default 30. */
  minPerWeek?: number;
}

export type ClassMixResult =
  | {
      tested: true;
      /** Column names, pooled rare classes as "(other)". */
      classes: string[];
      previous: number[];
      current: number[];
      statistic: number;
      df: number;
      pValue: number;
      alpha: number;
      drifted: boolean;
    }
  | { tested: false; reason: string; drifted: false };

export const OTHER = '(other)';
const MIN_EXPECTED = 5;

function clean(counts: Readonly<Record<string, number>>): Map<string, number> {
  const m = new Map<string, number>();
  for (const [k, v] of Object.entries(counts))
    if (Number.isFinite(v) && v > 0) m.set(k, Math.floor(v));
  return m;
}

/** Chi-square statistic of a 2 × k table given as two rows of equal length. */
export function chiSquareStatistic(a: readonly number[], b: readonly number[]): number {
  const ta = a.reduce((s, v) => s + v, 0);
  const tb = b.reduce((s, v) => s + v, 0);
  const n = ta + tb;
  let x = 0;
  for (let i = 0; i < a.length; i++) {
    const col = (a[i] ?? 0) + (b[i] ?? 0);
    if (col === 0) continue;
    const ea = (ta * col) / n;
    const eb = (tb * col) / n;
    x += ((a[i] ?? 0) - ea) ** 2 / ea + ((b[i] ?? 0) - eb) ** 2 / eb;
  }
  return x;
}

export function classMixTest(
  previous: Readonly<Record<string, number>>,
  current: Readonly<Record<string, number>>,
  o: ClassMixOptions = {},
): ClassMixResult {
  const alpha = o.alpha ?? 0.01;
  const minPerWeek = o.minPerWeek ?? 30;
  const p = clean(previous);
  const c = clean(current);
  const tp = [...p.values()].reduce((s, v) => s + v, 0);
  const tc = [...c.values()].reduce((s, v) => s + v, 0);
  if (tp < minPerWeek || tc < minPerWeek)
    return {
      tested: false,
      drifted: false,
      reason: `too few detections to test (${tp} the week before, ${tc} this week; need ${minPerWeek} each)`,
    };
  const n = tp + tc;
  const names = [...new Set([...p.keys(), ...c.keys()])].sort();
  const classes: string[] = [];
  const prev: number[] = [];
  const cur: number[] = [];
  let otherP = 0;
  let otherC = 0;
  for (const name of names) {
    const a = p.get(name) ?? 0;
    const b = c.get(name) ?? 0;
    const col = a + b;
    if ((tp * col) / n < MIN_EXPECTED || (tc * col) / n < MIN_EXPECTED) {
      otherP += a;
      otherC += b;
    } else {
      classes.push(name);
      prev.push(a);
      cur.push(b);
    }
  }
  const otherCol = otherP + otherC;
  if (otherCol > 0 && (tp * otherCol) / n >= MIN_EXPECTED && (tc * otherCol) / n >= MIN_EXPECTED) {
    classes.push(OTHER);
    prev.push(otherP);
    cur.push(otherC);
  }
  if (classes.length < 2)
    return {
      tested: false,
      drifted: false,
      reason: 'fewer than two classes with enough detections to compare',
    };
  const statistic = chiSquareStatistic(prev, cur);
  const df = classes.length - 1;
  const pValue = chiSquareUpperTail(statistic, df);
  return {
    tested: true,
    classes,
    previous: prev,
    current: cur,
    statistic,
    df,
    pValue,
    alpha,
    drifted: pValue < alpha,
  };
}

/** P(X ≥ x) for X ~ chi-square with `df` degrees of freedom. */
export function chiSquareUpperTail(x: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be above 0 (got ${df})`);
  if (!(x > 0)) return 1;
  return gammaQ(df / 2, x / 2);
}

// Regularised upper incomplete gamma Q(a, x): series below a + 1, continued fraction above
// (Numerical Recipes §6.2), to about 1e-14.
function gammaQ(a: number, x: number): number {
  const lnPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(lnPrefix) * h;
}

// Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for a > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];
function logGamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const x = z - 1;
  let s = LANCZOS[0] ?? 1;
  for (let i = 1; i < 9; i++) s += (LANCZOS[i] ?? 0) / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
}
