// The 12 COCO summary numbers (pycocotools summarize, _summarizeDets).
import type { EvalParams } from './params.ts';

export interface CocoStats {
  AP: number;
  AP50: number;
  AP75: number;
  APs: number;
  APm: number;
  APl: number;
  AR1: number;
  AR10: number;
  AR100: number;
  ARs: number;
  ARm: number;
  ARl: number;
}

/** Order of pycocotools' stats array. */
export const STAT_KEYS: readonly (keyof CocoStats)[] = Object.freeze([
  'AP',
  'AP50',
  'AP75',
  'APs',
  'APm',
  'APl',
  'AR1',
  'AR10',
  'AR100',
  'ARs',
  'ARm',
  'ARl',
]);

export interface EvalDims {
  T: number;
  R: number;
  K: number;
  A: number;
  M: number;
  /** Summarize one category (K index) instead of averaging over all. */
  onlyK?: number;
}

interface Pick {
  ap: boolean;
  iouThr?: number;
  area: string;
  maxDet: number;
}

/** Mean of the defined (> -1) entries of the selected slice; -1 when there are none. */
function pickMean(
  precision: Float64Array,
  recall: Float64Array,
  dims: EvalDims,
  params: EvalParams,
  pick: Pick,
): number {
  const { T, R, K, A, M } = dims;
  const a = params.areaRanges.findIndex((r) => r.label === pick.area);
  const m = params.maxDets.indexOf(pick.maxDet);
  if (a < 0 || m < 0) return -1;
  // Exact comparison, as pycocotools' np.where(iouThr == p.iouThrs).
  const ts =
    pick.iouThr === undefined
      ? Array.from({ length: T }, (_, t) => t)
      : params.iouThrs.flatMap((v, t) => (v === pick.iouThr ? [t] : []));
  const ks = dims.onlyK === undefined ? Array.from({ length: K }, (_, k) => k) : [dims.onlyK];
  let sum = 0;
  let n = 0;
  const add = (v: number | undefined): void => {
    if (v !== undefined && v > -1) {
      sum += v;
      n++;
    }
  };
  for (const t of ts)
    for (const k of ks) {
      if (pick.ap)
        for (let r = 0; r < R; r++) add(precision[(((t * R + r) * K + k) * A + a) * M + m]);
      else add(recall[((t * K + k) * A + a) * M + m]);
    }
  return n === 0 ? -1 : sum / n;
}

export function summarize(
  precision: Float64Array,
  recall: Float64Array,
  dims: EvalDims,
  params: EvalParams,
): CocoStats {
  const [m1 = 1, m10 = 10, m100 = 100] = params.maxDets;
  const s = (pick: Pick): number => pickMean(precision, recall, dims, params, pick);
  return {
    AP: s({ ap: true, area: 'all', maxDet: m100 }),
    AP50: s({ ap: true, iouThr: 0.5, area: 'all', maxDet: m100 }),
    AP75: s({ ap: true, iouThr: 0.75, area: 'all', maxDet: m100 }),
    APs: s({ ap: true, area: 'small', maxDet: m100 }),
    APm: s({ ap: true, area: 'medium', maxDet: m100 }),
    APl: s({ ap: true, area: 'large', maxDet: m100 }),
    AR1: s({ ap: false, area: 'all', maxDet: m1 }),
    AR10: s({ ap: false, area: 'all', maxDet: m10 }),
    AR100: s({ ap: false, area: 'all', maxDet: m100 }),
    ARs: s({ ap: false, area: 'small', maxDet: m100 }),
    ARm: s({ ap: false, area: 'medium', maxDet: m100 }),
    ARl: s({ ap: false, area: 'large', maxDet: m100 }),
  };
}
