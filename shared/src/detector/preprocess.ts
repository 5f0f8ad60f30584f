// Pure preprocessing arithmetic: resize plans, tensor packing and the inverse box mapping.
// No I/O here; image.ts does the decoding and resampling with sharp.
import type { BoxXYXY } from '../detection/types.ts';
import type { BoxTransform, DecodedImage, InputSpec } from './types.ts';

export interface ResizePlan {
  /** Size the image is resampled to. */
  resizedWidth: number;
  resizedHeight: number;
  /** Size of the tensor (resized image plus padding). */
  tensorWidth: number;
  tensorHeight: number;
  transform: BoxTransform;
}

/** Decide how an image of srcWidth × srcHeight becomes the network input. */
export function planResize(srcWidth: number, srcHeight: number, spec: InputSpec): ResizePlan {
  if (!(srcWidth > 0 && srcHeight > 0))
    throw new Error(`image size must be positive, got ${srcWidth}×${srcHeight}`);
  const base = { width: srcWidth, height: srcHeight };
  switch (spec.resize) {
    case 'none':
      return plan(srcWidth, srcHeight, srcWidth, srcHeight, {
        ...base,
        scaleX: 1,
        scaleY: 1,
        padX: 0,
        padY: 0,
      });
    case 'stretch':
      return plan(spec.width, spec.height, spec.width, spec.height, {
        ...base,
        scaleX: spec.width / srcWidth,
        scaleY: spec.height / srcHeight,
        padX: 0,
        padY: 0,
      });
    case 'fit': {
      const s = Math.max(spec.width, spec.height) / Math.max(srcWidth, srcHeight);
      const w = Math.max(1, Math.round(srcWidth * s));
      const h = Math.max(1, Math.round(srcHeight * s));
      return plan(w, h, w, h, {
        ...base,
        scaleX: w / srcWidth,
        scaleY: h / srcHeight,
        padX: 0,
        padY: 0,
      });
    }
    case 'letterbox': {
      const s = Math.min(spec.width / srcWidth, spec.height / srcHeight);
      const w = Math.min(spec.width, Math.max(1, Math.round(srcWidth * s)));
      const h = Math.min(spec.height, Math.max(1, Math.round(srcHeight * s)));
      const padX = Math.floor((spec.width - w) / 2);
      const padY = Math.floor((spec.height - h) / 2);
      // The real scale after rounding, so that the inverse mapping is exact at the image edges.
      return plan(w, h, spec.width, spec.height, {
        ...base,
        scaleX: w / srcWidth,
        scaleY: h / srcHeight,
        padX,
        padY,
      });
    }
  }
}

function plan(rw: number, rh: number, tw: number, th: number, transform: BoxTransform): ResizePlan {
  return { resizedWidth: rw, resizedHeight: rh, tensorWidth: tw, tensorHeight: th, transform };
}

export interface InputTensor {
  data: Float32Array;
  dims: number[];
}

/** Elements of the tensor `plan` makes (3 × tensorWidth × tensorHeight). */
export function tensorLength(plan: ResizePlan): number {
  return 3 * plan.tensorWidth * plan.tensorHeight;
}

/**
 * Pack resized RGB pixels into the network tensor: padding, channel order, normalisation, layout.
 * `resized` must be plan.resizedWidth × plan.resizedHeight. `out` (tensorLength(plan) elements)
 * lets a caller that runs one inference at a time reuse its buffer: every element is written.
 */
export function packTensor(
  resized: DecodedImage,
  plan: ResizePlan,
  spec: InputSpec,
  out?: Float32Array,
): InputTensor {
  if (resized.width !== plan.resizedWidth || resized.height !== plan.resizedHeight) {
    throw new Error(
      `resized image is ${resized.width}×${resized.height}, plan expects ${plan.resizedWidth}×${plan.resizedHeight}`,
    );
  }
  assertRgb(resized);
  const W = plan.tensorWidth;
  const H = plan.tensorHeight;
  const plane = W * H;
  const { padX, padY } = plan.transform;
  const { width: rw, height: rh, data: src } = resized;
  if (out !== undefined && out.length !== 3 * plane)
    throw new Error(`tensor buffer has ${out.length} elements, the plan needs ${3 * plane}`);
  const data = out ?? new Float32Array(3 * plane);
  // Tensor channel c reads RGB channel srcCh[c]; value = pixel · mul[c] + add[c].
  const srcCh = spec.channelOrder === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  const mul = [0, 1, 2].map((c) => spec.scale / (spec.std[c] ?? 1));
  const add = [0, 1, 2].map((c) => -(spec.mean[c] ?? 0) / (spec.std[c] ?? 1));
  const planar = spec.layout !== 'nhwc';
  if (rw !== W || rh !== H) {
    for (let c = 0; c < 3; c++) {
      const pad = spec.padValue * (mul[c] ?? 1) + (add[c] ?? 0);
      if (planar) data.fill(pad, c * plane, (c + 1) * plane);
      else for (let i = c; i < data.length; i += 3) data[i] = pad;
    }
  }
  const [s0 = 0, s1 = 1, s2 = 2] = srcCh;
  const [m0 = 1, m1 = 1, m2 = 1] = mul;
  const [a0 = 0, a1 = 0, a2 = 0] = add;
  for (let y = 0; y < rh; y++) {
    for (let x = 0; x < rw; x++) {
      const si = (y * rw + x) * 3;
      const di = (y + padY) * W + x + padX;
      const v0 = (src[si + s0] ?? 0) * m0 + a0;
      const v1 = (src[si + s1] ?? 0) * m1 + a1;
      const v2 = (src[si + s2] ?? 0) * m2 + a2;
      if (planar) {
        data[di] = v0;
        data[plane + di] = v1;
        data[2 * plane + di] = v2;
      } else {
        data[di * 3] = v0;
        data[di * 3 + 1] = v1;
        data[di * 3 + 2] = v2;
      }
    }
  }
  const dims =
    spec.layout === 'nchw' ? [1, 3, H, W] : spec.layout === 'nhwc' ? [1, H, W, 3] : [3, H, W];
  return { data, dims };
}

/** Map a box from network-input pixels to original-image pixels, clipped to the image. */
export function boxToOriginal(box: BoxXYXY, t: BoxTransform): BoxXYXY {
  const clip = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  return [
    clip((box[0] - t.padX) / t.scaleX, t.width),
    clip((box[1] - t.padY) / t.scaleY, t.height),
    clip((box[2] - t.padX) / t.scaleX, t.width),
    clip((box[3] - t.padY) / t.scaleY, t.height),
  ];
}

export function assertRgb(img: DecodedImage): void {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`image size must be positive integers, got ${width}×${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new Error(
      `RGB frame of ${width}×${height} needs ${width * height * 3} bytes, got ${data.length} (expected 3 channels, no row padding)`,
    );
  }
}
