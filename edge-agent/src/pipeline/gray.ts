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

/** Whether this machine stores the low byte of a word first (x64 and ARM64 do). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Adds the luma of `count` pixels `stride` bytes apart, from byte `i` on, to acc[0..count). */
function addRowLuma(rgb: Uint8Array, i: number, stride: number, acc: Uint32Array, count: number) {
  for (let x = 0; x < count; x++, i += stride)
    acc[x] =
      (acc[x] as number) +
      ((77 * (rgb[i] as number) + 150 * (rgb[i + 1] as number) + 29 * (rgb[i + 2] as number)) >> 8);
}

/**
 * addRowLuma for a whole row of adjacent pixels starting at word `w`, read four pixels (three
 * words) at a time: the same sums with a quarter of the loads. Little-endian only.
 */
function addRowLumaWords(words: Uint32Array, w: number, acc: Uint32Array, quads: number) {
  for (let q = 0, p = 0; q < quads; q++, p += 4) {
    const a = words[w++] as number;
    const b = words[w++] as number;
    const c = words[w++] as number;
    acc[p] =
      (acc[p] as number) +
      ((77 * (a & 255) + 150 * ((a >>> 8) & 255) + 29 * ((a >>> 16) & 255)) >> 8);
    acc[p + 1] =
      (acc[p + 1] as number) + ((77 * (a >>> 24) + 150 * (b & 255) + 29 * ((b >>> 8) & 255)) >> 8);
    acc[p + 2] =
      (acc[p + 2] as number) + ((77 * ((b >>> 16) & 255) + 150 * (b >>> 24) + 29 * (c & 255)) >> 8);
    acc[p + 3] =
      (acc[p + 3] as number) +
      ((77 * ((c >>> 8) & 255) + 150 * ((c >>> 16) & 255) + 29 * (c >>> 24)) >> 8);
  }
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
  /** Per sampled column: luma summed over the source rows of the output row being made. */
  #cols: Uint32Array = new Uint32Array(0);
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
    const cols = this.#cols;
    const ws = cols.length;
    const hs = yMap.length;
    const rowBytes = step * width * 3;
    // Whole rows of adjacent pixels, each starting on a word: read them a word at a time.
    const words =
      LITTLE_ENDIAN && step === 1 && width % 4 === 0 && rgb.byteOffset % 4 === 0
        ? new Uint32Array(rgb.buffer, rgb.byteOffset, rgb.length >> 2)
        : undefined;
    const out = new Uint8Array(tw * th);
    let ys = 0;
    for (let y = 0; y < th; y++) {
      // Columns first: sum the source rows of this output row, then the columns of each cell.
      cols.fill(0);
      for (; ys < hs && yMap[ys] === y; ys++) {
        if (words) addRowLumaWords(words, (ys * rowBytes) >> 2, cols, width >> 2);
        else addRowLuma(rgb, ys * rowBytes, 3 * step, cols, ws);
      }
      const cy = yCount[y] as number;
      let c = 0;
      for (let x = 0; x < tw; x++) {
        const cx = xCount[x] as number;
        let sum = 0;
        for (let k = cx; k > 0; k--) sum += cols[c++] as number;
        const n = cy * cx;
        out[y * tw + x] = Math.floor((sum * 2 + n) / (2 * n));
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
    this.#cols = new Uint32Array(ws);
    this.#size = { width: tw, height: th, step };
    this.#key = key;
  }
}
