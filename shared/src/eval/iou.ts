// Box IoU exactly as pycocotools' C bbIou: boxes are [x, y, w, h]; for a crowd ground truth
// the union is the detection's own area, so a detection inside a crowd region scores 1.

/**
 * IoU of every detection (rows) against every ground truth (columns), row-major D×G.
 * Box areas here are w*h, never the annotation's `area` field (that one only bins objects).
 */
export function boxIouMatrix(
  dets: readonly (readonly number[])[],
  gts: readonly (readonly number[])[],
  crowd: ArrayLike<number>,
): Float64Array {
  const D = dets.length;
  const G = gts.length;
  const out = new Float64Array(D * G);
  for (let g = 0; g < G; g++) {
    const [gx = 0, gy = 0, gw = 0, gh = 0] = gts[g] ?? [];
    const ga = gw * gh;
    const isCrowd = crowd[g] === 1;
    for (let d = 0; d < D; d++) {
      const [dx = 0, dy = 0, dw = 0, dh = 0] = dets[d] ?? [];
      const da = dw * dh;
      // Same operation order as the C code so results agree to the last bit.
      const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (w <= 0) continue;
      const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
      if (h <= 0) continue;
      const i = w * h;
      const u = isCrowd ? da : da + ga - i;
      out[d * G + g] = i / u;
    }
  }
  return out;
}
