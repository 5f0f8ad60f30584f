// The sources API the rest of the agent uses. Swapping the decoder (plain spawn, GStreamer)
// means changing openFrameSource and probeVideo here; callers keep the FrameSource interface.
import type { FfmpegSourceOptionsInput } from './ffmpeg-args.ts';
import { FluentFfmpegSource } from './fluent-ffmpeg-source.ts';
import type { FrameSource } from './frame-source.ts';

export type { FfmpegSourceOptionsInput as SourceOptions } from './ffmpeg-args.ts';
export { probeVideo, setDecoderBinaries } from './fluent-ffmpeg-source.ts';
export type { ProbeOptions, VideoInfo } from './fluent-ffmpeg-source.ts';
export { PIXEL_FORMATS, bytesPerPixel, frameByteLength } from './frame-source.ts';
export type { FrameSource, PixelFormat, RawFrame, SourceGeometry } from './frame-source.ts';
export { SOURCE_ERROR_KINDS, SourceError, isRetryable } from './source-error.ts';
export type { SourceErrorKind } from './source-error.ts';
export { cameraSourceOptions, hwaccelArgs } from './camera-input.ts';
export type { CameraInput, Hwaccel, OutputShape } from './camera-input.ts';
export {
  DEFAULT_RECONNECT_POLICY,
  backoffDelayMs,
  backoffStepMs,
  liveRetryable,
} from './reconnect-policy.ts';
export type { ReconnectPolicy } from './reconnect-policy.ts';
export { ResilientSource, SOURCE_STATES, SYSTEM_CLOCK } from './resilient-source.ts';
export type {
  Clock,
  LiveFrame,
  ResilientCounters,
  ResilientSourceOptions,
  SourceState,
  StateChange,
} from './resilient-source.ts';
export { CameraSupervisor } from './supervisor.ts';
export type {
  CameraSpec,
  CameraState,
  CameraStatus,
  FrameConsumer,
  SupervisorOptions,
} from './supervisor.ts';

/**
 * One decoding attempt of a file, RTSP/HTTP URL or V4L2 device. Throws SourceError('bad-options')
 * on invalid options; failures while running surface from iteration as SourceError.
 * A reconnecting camera loop opens a new source per attempt and backs off on retryable kinds.
 */
export function openFrameSource(options: FfmpegSourceOptionsInput): FrameSource {
  return new FluentFfmpegSource(options);
}
