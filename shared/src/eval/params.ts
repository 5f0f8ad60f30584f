// COCOeval's default bbox parameters (pycocotools Params.setDetParams).

export interface AreaRange {
  label: 'all' | 'small' | 'medium' | 'large';
  min: number;
  max: number;
}

export interface EvalParams {
  /** IoU thresholds, ascending. */
  iouThrs: readonly number[];
  /** Recall points where interpolated precision is sampled, ascending. */
  recThrs: readonly number[];
  /** Max detections per image and category, ascending; matching uses the last. */
  maxDets: readonly number[];
  areaRanges: readonly AreaRange[];
}

/**
 * numpy.linspace(start, stop, num) as numpy computes it: i * step + start with the last
 * value set to stop. The thresholds must be bit-identical to pycocotools' because recall is
 * compared against them (searchsorted), and i * step differs from i / (num - 1) in the last bit.
 */
export function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  if (num > 1) out[num - 1] = stop;
  return out;
}

export const DEFAULT_PARAMS: EvalParams = Object.freeze({
  iouThrs: Object.freeze(linspace(0.5, 0.95, 10)),
  recThrs: Object.freeze(linspace(0, 1, 101)),
  maxDets: Object.freeze([1, 10, 100]),
  areaRanges: Object.freeze([
    { label: 'all', min: 0, max: 1e5 ** 2 },
    { label: 'small', min: 0, max: 32 ** 2 },
    { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
    { label: 'large', min: 96 ** 2, max: 1e5 ** 2 },
  ] as const),
});
