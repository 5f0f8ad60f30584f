// Static INT8 QDQ quantization: the entry points `pretag models build` and the bench use.
export { quantizeModel, QuantizeError } from './quantize-model.ts';
export type { QuantizeOptions, QuantizeSummary } from './quantize-model.ts';
export {
  imageFolderCalibrationSource,
  tensorCalibrationSource,
  videoCalibrationSource,
  CalibrationSourceError,
} from './calibration-source.ts';
export type {
  CalibrationFeeds,
  CalibrationSource,
  Preprocess,
  RgbFrame,
} from './calibration-source.ts';
export type { ExcludeSpec } from './plan.ts';
export type { ActivationType, CalibrationMethod } from './ranges.ts';
export { compareLatency, maxAbsDiff } from './compare.ts';
export type { LatencyComparison } from './compare.ts';
export { optimizedOpCounts } from './inspect.ts';
