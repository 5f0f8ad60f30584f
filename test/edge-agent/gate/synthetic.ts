// Test helper: hand-made grey frames whose motion can be worked out on paper.
import type { GrayFrame } from '../../../edge-agent/src/gate/gray-frame.ts';

export interface Square {
  x: number;
  y: number;
  size: number;
  value: number;
}

/** A width × height frame filled with `background` (a number, or a function of x and y), with squares drawn on top. */
export function frameWith(
  width: number,
  height: number,
  background: number | ((x: number, y: number) => number),
  squares: Square[] = [],
): GrayFrame {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      data[y * width + x] = typeof background === 'number' ? background : background(x, y);
  for (const s of squares)
    for (let y = s.y; y < s.y + s.size; y++)
      for (let x = s.x; x < s.x + s.size; x++) data[y * width + x] = s.value;
  return { width, height, data };
}

/** The frame with every pixel mapped through `f` (rounded, clipped to 0..255). */
export function mapPixels(frame: GrayFrame, f: (v: number) => number): GrayFrame {
  const data = new Uint8Array(frame.data.length);
  for (let i = 0; i < data.length; i++)
    data[i] = Math.max(0, Math.min(255, Math.round(f(frame.data[i] as number))));
  return { width: frame.width, height: frame.height, data };
}
