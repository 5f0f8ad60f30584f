// Point-in-polygon for normalised polygons (flat [x1, y1, x2, y2, ...] lists, as edge.yaml and
// hub.yaml write masks and zones). Even-odd rule inside, so a self-crossing polygon still gives a
// sensible area. A point on an edge or a vertex counts as inside: a box clipped to the frame has
// its bottom-centre exactly on y = 1, the usual edge of a mask or zone drawn along the frame bottom.
// Same API and semantics as cloud-hub/src/cleanup/polygon.ts, which can import this instead.

/** Distance from an edge within which a point counts as on it (coordinates are in 0..1). */
export const EDGE_EPS = 1e-9;

/** A polygon prepared once: its points and bounding box. */
export interface PreparedPolygon {
  xs: Float64Array;
  ys: Float64Array;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** Prepare a flat [x1, y1, x2, y2, ...] polygon; undefined when it has fewer than 3 finite points. */
export function preparePolygon(flat: readonly number[]): PreparedPolygon | undefined {
  const n = Math.floor(flat.length / 2);
  if (n < 3) return undefined;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = flat[2 * i] as number;
    const y = flat[2 * i + 1] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return undefined;
    xs[i] = x;
    ys[i] = y;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return { xs, ys, minX, minY, maxX, maxY };
}

/** Prepare a list of polygons, leaving out the unusable ones (fewer than 3 finite points). */
export function preparePolygons(list: readonly (readonly number[])[]): PreparedPolygon[] {
  const out: PreparedPolygon[] = [];
  for (const flat of list) {
    const p = preparePolygon(flat);
    if (p) out.push(p);
  }
  return out;
}

/** True when (x, y) is inside the polygon or on its boundary (even-odd rule inside). */
export function containsPoint(p: PreparedPolygon, x: number, y: number): boolean {
  if (
    !(x >= p.minX - EDGE_EPS) ||
    !(x <= p.maxX + EDGE_EPS) ||
    !(y >= p.minY - EDGE_EPS) ||
    !(y <= p.maxY + EDGE_EPS)
  )
    return false; // also false for NaN
  const { xs, ys } = p;
  const n = xs.length;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = xs[i] as number;
    const yi = ys[i] as number;
    const xj = xs[j] as number;
    const yj = ys[j] as number;
    // On the segment j -> i: collinear and within its bounding box.
    const cross = (xj - xi) * (y - yi) - (yj - yi) * (x - xi);
    if (
      Math.abs(cross) <= EDGE_EPS &&
      x >= Math.min(xi, xj) - EDGE_EPS &&
      x <= Math.max(xi, xj) + EDGE_EPS &&
      y >= Math.min(yi, yj) - EDGE_EPS &&
      y <= Math.max(yi, yj) + EDGE_EPS
    )
      return true;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** True when (x, y) is inside (or on the boundary of) any of the polygons. */
export function anyContains(polygons: readonly PreparedPolygon[], x: number, y: number): boolean {
  for (const p of polygons) if (containsPoint(p, x, y)) return true;
  return false;
}
