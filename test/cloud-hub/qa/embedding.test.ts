import { describe, expect, it } from 'vitest';
import { EMBEDDING_LENGTH, imageEmbedding } from '../../../cloud-hub/src/qa/embedding.ts';

function image(w: number, h: number, px: (x: number, y: number) => [number, number, number]) {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(px(x, y), (y * w + x) * 3);
  return { data, width: w, height: h, channels: 3 };
}

const vectorOf = (r: ReturnType<typeof imageEmbedding>): Float32Array => {
  if (!r.ok) throw new Error(r.error);
  return r.vector;
};

describe('imageEmbedding', () => {
  it('a flat red image: thumbnail all zero, one histogram bin at 1/√2', () => {
    const v = vectorOf(imageEmbedding(image(16, 16, () => [255, 0, 0])));
    expect(v).toHaveLength(EMBEDDING_LENGTH); // 64 + 64
    expect(v.slice(0, 64).every((x) => x === 0)).toBe(true);
    // R 255 >> 6 = 3, G 0, B 0 → bin 3·16 + 0 + 0 = 48
    expect(v[64 + 48]).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('left black, right white: ±0.0884 thumbnail, two bins of 0.5, unit length', () => {
    const v = vectorOf(imageEmbedding(image(16, 16, (x) => (x < 8 ? [0, 0, 0] : [255, 255, 255]))));
    // cells 0–3 of each row are 0, 4–7 are 1; mean 0.5; deviations ±0.5; norm √(64 × 0.25) = 4
    // → ±0.5 / 4 / √2 = ±0.0884
    expect(v[0]).toBeCloseTo(-0.5 / 4 / Math.SQRT2, 5);
    expect(v[7]).toBeCloseTo(0.5 / 4 / Math.SQRT2, 5);
    // 128 black pixels in bin 0 and 128 white in bin 63: each 128 / (128 √2) / √2 = 0.5
    expect(v[64]).toBeCloseTo(0.5, 6);
    expect(v[64 + 63]).toBeCloseTo(0.5, 6);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
  });

  it('images smaller than the thumbnail and RGBA buffers work', () => {
    expect(imageEmbedding(image(3, 2, (x) => [x * 80, 0, 0])).ok).toBe(true);
    const rgba = { data: new Uint8Array(4 * 4 * 4).fill(200), width: 4, height: 4, channels: 4 };
    expect(imageEmbedding(rgba).ok).toBe(true);
  });

  it('refuses bad buffers with a reason instead of throwing', () => {
    const short = imageEmbedding({ data: new Uint8Array(10), width: 4, height: 4, channels: 3 });
    expect(short).toEqual({ ok: false, error: 'pixel buffer too short: 10 bytes for 4×4×3' });
    const grey = imageEmbedding({ data: new Uint8Array(16), width: 4, height: 4, channels: 1 });
    expect(grey.ok).toBe(false);
    const empty = imageEmbedding({ data: new Uint8Array(0), width: 0, height: 0, channels: 3 });
    expect(empty.ok).toBe(false);
  });
});
