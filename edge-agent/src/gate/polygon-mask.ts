// Rasterises normalised polygons (flat [x1, y1, x2, y2, ...] lists in 0..1, as edge.yaml writes
// masks) into a per-pixel 0/1 image. A pixel belongs to a polygon when its centre does (even-odd
// rule, so a self-crossing polygon still gives a sensible area).

/** 1 where a pixel centre lies inside any of the polygons, else 0. */
export function rasterisePolygons(
  polygons: readonly (readonly number[])[],
  width: number,
  height: number,
): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const poly of polygons) {
    const n = Math.floor(poly.length / 2);
    if (n < 3) continue;
    const xs: number[] = [];
    for (let y = 0; y < height; y++) {
      const yc = (y + 0.5) / height;
      xs.length = 0;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const xi = poly[2 * i] as number;
        const yi = poly[2 * i + 1] as number;
        const xj = poly[2 * j] as number;
        const yj = poly[2 * j + 1] as number;
        // Half-open test so a vertex on the scan line is counted once.
        if (yi > yc !== yj > yc) xs.push(xi + ((yc - yi) * (xj - xi)) / (yj - yi));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        // Pixels whose centre (x + 0.5) / width lies in [from, to).
        const from = Math.max(0, Math.ceil((xs[k] as number) * width - 0.5));
        const to = Math.min(width - 1, Math.ceil((xs[k + 1] as number) * width - 0.5) - 1);
        for (let x = from; x <= to; x++) out[y * width + x] = 1;
      }
    }
  }
  return out;
}

/** Rasterises once per frame size and reuses the result for every later frame of that size. */
export class PolygonMask {
  readonly polygons: readonly (readonly number[])[];
  #cache: { width: number; height: number; mask: Uint8Array; unmasked: number } | undefined;

  constructor(polygons: readonly (readonly number[])[]) {
    this.polygons = polygons;
  }

  get empty(): boolean {
    return this.polygons.length === 0;
  }

  at(width: number, height: number): Uint8Array {
    const c = this.#cache;
    if (c && c.width === width && c.height === height) return c.mask;
    const mask = rasterisePolygons(this.polygons, width, height);
    const unmasked = mask.length - mask.reduce((a, b) => a + b, 0);
    this.#cache = { width, height, mask, unmasked };
    return mask;
  }

  /** Pixels outside every polygon at this size. */
  unmaskedCount(width: number, height: number): number {
    this.at(width, height);
    return this.#cache?.unmasked ?? width * height;
  }
}
