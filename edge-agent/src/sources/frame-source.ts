// The seam between the pipeline and whatever decodes video. Everything downstream sees only
// this interface, so the fluent-ffmpeg implementation can be replaced by plain spawn or GStreamer.

export const PIXEL_FORMATS = ['gray', 'rgb24'] as const;
export type PixelFormat = (typeof PIXEL_FORMATS)[number];

/** One decoded picture, tightly packed rows (no padding), top-left origin. */
export interface RawFrame {
  /** 0-based index among the frames this source emitted (after sampling). */
  index: number;
  /**
   * Seconds from the start of the stream: index / fps. Exact for sampled output (the fps filter
   * emits on that grid) and for constant-rate inputs; approximate for variable-rate ones.
   */
  ptsSeconds: number;
  width: number;
  height: number;
  format: PixelFormat;
  /** width × height × bytesPerPixel(format) bytes; owned by the consumer (see FrameSource.release). */
  data: Buffer;
}

/** What the source will emit, known once it has started. */
export interface SourceGeometry {
  width: number;
  height: number;
  format: PixelFormat;
  /** Frames per second of the emitted stream (the sampling rate, or the input's own rate). */
  fps: number;
}

/**
 * A stream of raw frames. Iterate it once; iteration pulls frames, so a slow consumer slows the
 * decoder instead of filling memory. Iteration ends when a file ends, and throws a SourceError
 * (with a `kind` a reconnect loop can act on) when the input fails or a live stream ends.
 */
export interface FrameSource extends AsyncIterable<RawFrame> {
  /** Starts decoding; resolves with the output geometry. Iterating calls it if needed. */
  start(): Promise<SourceGeometry>;
  /** Ends decoding and waits until the decoder process has exited. Safe to call repeatedly. */
  stop(): Promise<void>;
  /**
   * Hands a frame's buffer back for the source to reuse for a later frame (less garbage). Only
   * for a caller that will never read `frame.data` again, nor let anything else keep it.
   */
  release?(frame: RawFrame): void;
}

export function bytesPerPixel(format: PixelFormat): number {
  return format === 'gray' ? 1 : 3;
}

export function frameByteLength(width: number, height: number, format: PixelFormat): number {
  return width * height * bytesPerPixel(format);
}
