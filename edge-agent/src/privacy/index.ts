// Privacy: faces and heads are obscured on the device before a frame is uploaded.
export {
  redactionOptionsSchema,
  redactionOptionsFor,
  parseRedactionOptions,
  type RedactionOptions,
  type RedactionOptionsInput,
} from './options.ts';
export { planRedaction, headBox, mergeRects, toRect, type Rect, type PlanInput } from './plan.ts';
export { createFaceDetector } from './face-detector.ts';
export {
  obscureRegions,
  pixelateRegion,
  encodeJpeg,
  effectSize,
  type RedactionMode,
} from './pixels.ts';
export { LazyDetector } from './lazy-detector.ts';
export {
  redactFaces,
  type RedactFacesOptions,
  type RedactResult,
  type RedactStage,
} from './redact.ts';
