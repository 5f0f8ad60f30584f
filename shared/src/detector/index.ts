export type { Detector, DetectorInfo, DecodedImage, InputSpec, BoxTransform } from './types.ts';
export { createDetector, type CreateDetectorOptions } from './onnx-detector.ts';
export {
  detectorConfigSchema,
  inputSpecSchema,
  type DetectorConfig,
  type DetectorConfigInput,
} from './config.ts';
export { createSession, availableProviders, type CreatedSession } from './session.ts';
export {
  sessionConfigSchema,
  planProviders,
  type SessionConfig,
  type SessionConfigInput,
} from './providers.ts';
export { getAdapter, registerAdapter, adapterNames } from './adapters/index.ts';
export type { DetectorAdapter, DecodeOptions, RawOutputs, RawTensor } from './adapters/adapter.ts';
export { decodeImage } from './image.ts';
export { detectorConfigFromModel, type ModelBlock } from './from-model-config.ts';
