// 8-connected components of a 0/1 image (two-pass labelling with union-find).

export interface Component {
  /** Bounding box in pixel edges: x2, y2 exclusive. */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** Pixels of the component. */
  area: number;
  /** Pixels of the component that are also set in `countIn` (when given), else `area`. */
  counted: number;
}

/** Reusable buffers for a frame of n pixels: labels (n) and parent (n + 1). */
export interface ComponentScratch {
  labels: Int32Array;
  parent: Int32Array;
}

function find(parent: Int32Array, a: number): number {
  let r = a;
  while ((parent[r] as number) !== r) r = parent[r] as number;
  // Path compression keeps later lookups short.
  while ((parent[a] as number) !== r) {
    const next = parent[a] as number;
    parent[a] = r;
    a = next;
  }
  return r;
}

function union(parent: Int32Array, a: number, b: number): number {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra === rb) return ra;
  const lo = Math.min(ra, rb);
  parent[Math.max(ra, rb)] = lo;
  return lo;
}

/**
 * Components of the set pixels of `bin`, and a label image (component index + 1, 0 for unset). `countIn` (same size) lets the caller find blobs on a
 * dilated mask while counting only the pixels that really changed.
 */
export function connectedComponents(
  bin: Uint8Array,
  width: number,
  height: number,
  countIn?: Uint8Array,
  scratch?: ComponentScratch,
  /** Rows outside [fromRow, toRow) hold no set pixel: they are not scanned. */
  fromRow = 0,
  toRow = height,
): { components: Component[]; labels: Int32Array } {
  const labels = scratch?.labels ?? new Int32Array(bin.length);
  labels.fill(0);
  // Worst case is one provisional label per two pixels; size for all to stay simple.
  const parent = scratch?.parent ?? new Int32Array(bin.length + 1);
  let next = 1;
  for (let y = fromRow; y < toRow; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!bin[i]) continue;
      // Already-visited neighbours: W, NW, N, NE.
      let label = x > 0 ? (labels[i - 1] as number) : 0;
      if (y > 0) {
        const up = i - width;
        const nw = x > 0 ? (labels[up - 1] as number) : 0;
        const n = labels[up] as number;
        const ne = x < width - 1 ? (labels[up + 1] as number) : 0;
        // In the order NW, N, NE.
        if (nw !== 0 && nw !== label) label = label === 0 ? nw : union(parent, label, nw);
        if (n !== 0 && n !== label) label = label === 0 ? n : union(parent, label, n);
        if (ne !== 0 && ne !== label) label = label === 0 ? ne : union(parent, label, ne);
      }
      if (label === 0) {
        label = next++;
        parent[label] = label;
      }
      labels[i] = label;
    }
  }
  // Second pass: relabel every pixel with its component's index + 1.
  const indexOfRoot = new Map<number, number>();
  const components: Component[] = [];
  for (let y = fromRow; y < toRow; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const l = labels[i] as number;
      if (l === 0) continue;
      const root = find(parent, l);
      const inc = countIn ? (countIn[i] ? 1 : 0) : 1;
      let k = indexOfRoot.get(root);
      const c = k === undefined ? undefined : components[k];
      if (k === undefined || c === undefined) {
        k = components.length;
        indexOfRoot.set(root, k);
        components.push({ x1: x, y1: y, x2: x + 1, y2: y + 1, area: 1, counted: inc });
      } else {
        if (x < c.x1) c.x1 = x;
        if (x + 1 > c.x2) c.x2 = x + 1;
        c.y2 = y + 1;
        c.area++;
        c.counted += inc;
      }
      labels[i] = k + 1;
    }
  }
  return { components, labels };
}
