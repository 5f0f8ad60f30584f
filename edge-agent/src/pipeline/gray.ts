// RGB → grey for the gate: luma (BT.601 integer weights). The gate analyses ~180 rows, so the
// pipeline makes its grey at that size in one pass over the RGB frame (AnalysisGray) instead of
// converting every pixel and downscaling the full-size grey again in each consumer.
import { analysisSize, GateInputError } from '../gate/gray-frame.ts';
import type { GrayFrame } from '../gate/gray-frame.ts';
import { MOTION_ANALYSIS_ROWS } from '../gate/motion-detector.ts';

/** Largest integer step that keeps at least `minRows` rows. */
export function grayStep(height: number, minRows = 360): number {
  return Math.max(1, Math.floor(height / minRows));
}

function checkRgb(rgb: Uint8Array, width: number, height: number): void {
  if (rgb.length !== width * height * 3)
    throw new GateInputError(
      `RGB frame ${width}×${height} needs ${width * height * 3} bytes, got ${rgb.length}`,
    );
}

/** Source index → output cell for an area-average downscale of `from` samples onto `to`. */
interface CellMap {
  map: Int32Array;
  count: Uint32Array;
}

function cellMap(from: number, to: number): CellMap {
  const map = new Int32Array(from);
  const count = new Uint32Array(to);
  for (let i = 0; i < from; i++) {
    const c = Math.min(to - 1, Math.floor((i * to) / from));
    map[i] = c;
    count[c] = (count[c] as number) + 1;
  }
  return { map, count };
}

/**
 * The gate's grey frame straight from RGB: luma of every `grayStep`-th pixel (as rgbToGray),
 * area-averaged onto `rows` rows (as the gate's downscale), rounded to whole grey levels. Keeps
 * its lookup tables and accumulator between frames of the same size; each call returns new data.
 */
export class AnalysisGray {
  readonly rows: number;
  #key = '';
  #xs: CellMap = cellMap(0, 0);
  #ys: CellMap = cellMap(0, 0);
  #acc: Uint32Array = new Uint32Array(0);
  #size = { width: 0, height: 0, step: 1 };

  constructor(rows = MOTION_ANALYSIS_ROWS) {
    this.rows = rows;
  }

  /** Throws GateInputError when `rgb` is not width × height × 3 bytes (a truncated frame). */
  from(rgb: Uint8Array, width: number, height: number): GrayFrame {
    checkRgb(rgb, width, height);
    const key = `${width}x${height}`;
    if (key !== this.#key) this.#resize(width, height, key);
    const { width: tw, height: th, step } = this.#size;
    const xCount = this.#xs.count;
    const { map: yMap, count: yCount } = this.#ys;
    const acc = this.#acc;
    acc.fill(0);
    const hs = yMap.length;
    const pixelStride = 3 * step;
    for (let ys = 0; ys < hs; ys++) {
      const base = (yMap[ys] as number) * tw;
      let i = ys * step * width * 3;
      // Never upscaled, so the samples of a row fill the cells left to right in runs of xCount.
      for (let x = 0; x < tw; x++) {
        let sum = 0;
        for (let k = xCount[x] as number; k > 0; k--, i += pixelStride)
          sum +=
            (77 * (rgb[i] as number) +
              150 * (rgb[i + 1] as number) +
              29 * (rgb[i + 2] as number)) >>
            8;
        acc[base + x] = (acc[base + x] as number) + sum;
      }
    }
    const out = new Uint8Array(tw * th);
    for (let y = 0; y < th; y++) {
      const cy = yCount[y] as number;
      for (let x = 0; x < tw; x++) {
        const o = y * tw + x;
        const n = cy * (xCount[x] as number);
        out[o] = Math.floor(((acc[o] as number) * 2 + n) / (2 * n));
      }
    }
    return { width: tw, height: th, data: out };
  }

  #resize(width: number, height: number, key: string): void {
    const step = grayStep(height, 2 * this.rows);
    const ws = Math.floor(width / step);
    const hs = Math.floor(height / step);
    const { width: tw, height: th } = analysisSize(ws, hs, this.rows);
    this.#xs = cellMap(ws, tw);
    this.#ys = cellMap(hs, th);
    this.#acc = new Uint32Array(tw * th);
    this.#size = { width: tw, height: th, step };
    this.#key = key;
  }
}
