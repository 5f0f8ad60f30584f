// The decision stage after the gate: pre-filter, novelty, motion candidates, audit, counters.
export { AuditSampler } from './audit.ts';
export {
  DecisionCounters,
  SKIP_REASONS,
  statsCounters,
  zeroCounts,
  type DecisionCounts,
  type OtherStageCounts,
  type SkipReason,
} from './counters.ts';
export {
  createDecisionState,
  decideFrame,
  shouldInfer,
  thresholdsFor,
  type CameraDecisionState,
  type DecideInput,
  type DecideSettings,
  type DecisionStateOptions,
  type FrameDecision,
  type GateView,
  type UploadReason,
} from './decide-frame.ts';
export { sameDetections } from './detection-match.ts';
export { NoveltyTracker, type NoveltyCheck, type NoveltySettings } from './novelty.ts';
export {
  REJECT_REASONS,
  filterDetections,
  zeroRejections,
  type FilterResult,
  type FrameSize,
  type Polygons,
  type PrefilterSettings,
  type RejectReason,
} from './prefilter.ts';
export { THUMBNAIL_HEIGHT, pixelDifference, thumbnail, type Thumbnail } from './thumbnail.ts';
