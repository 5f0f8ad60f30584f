import type { Detection } from '../detection/types.ts';

/** Decoded 8-bit RGB pixels, interleaved (R, G, B, R, …), row by row, no padding. */
export interface DecodedImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** How an image becomes the network input: size, resize mode, channel order, layout, normalisation. */
export interface InputSpec {
  /** Network input width and height in pixels (for 'fit' the bound on the longer side is max(width, height)). */
  width: number;
  height: number;
  /**
   * stretch: scale x and y independently to width × height.
   * letterbox: keep aspect ratio, centre, pad the rest with padValue.
   * fit: keep aspect ratio, no padding; the tensor takes the resized size (dynamic-size models).
   * none: feed the original size (dynamic-size models).
   */
  resize: 'stretch' | 'letterbox' | 'fit' | 'none';
  /** Pad value in 0..255 pixel units, before normalisation. */
  padValue: number;
  channelOrder: 'rgb' | 'bgr';
  /** chw has no batch dimension (torchvision detection exports take one [3, H, W] image). */
  layout: 'nchw' | 'nhwc' | 'chw';
  /** value = (pixel · scale − mean[c]) / std[c], with mean and std in tensor channel order. */
  scale: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** Maps network-input pixels back to original-image pixels: x = (xNet − padX) / scaleX. */
export interface BoxTransform {
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
  /** Original image size, for clipping. */
  width: number;
  height: number;
}

/** What a detector reports about itself (and what a model card records). */
export interface DetectorInfo {
  /** Model id: the operator's name for it, or the file's base name. */
  modelId: string;
  adapter: string;
  file: string;
  input: InputSpec;
  inputName: string;
  outputNames: readonly string[];
  classes: readonly string[];
  /** Execution providers requested, and the ones the session was actually created with. */
  providersRequested: readonly string[];
  providersUsed: readonly string[];
}

/** Anything that finds objects in an image. Boxes are in original-image pixels. */
export interface Detector {
  readonly info: DetectorInfo;
  /** An encoded JPEG/PNG buffer or decoded RGB pixels. */
  detect(image: DecodedImage | Buffer): Promise<Detection[]>;
  detectBatch(images: readonly (DecodedImage | Buffer)[]): Promise<Detection[][]>;
  close(): Promise<void>;
}
