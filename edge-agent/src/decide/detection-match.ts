// Do two frames show the same objects? Same classes in the same counts, and, class by class,
// greedy IoU matching (best pairs first) pairs every box with one at IoU ≥ the threshold.
import { iou } from '@pretag/shared/detection/iou';
import type { Detection } from '@pretag/shared/detection/types';

function byLabel(dets: readonly Detection[]): Map<string, Detection[]> {
  const m = new Map<string, Detection[]>();
  for (const d of dets) {
    const list = m.get(d.label);
    if (list) list.push(d);
    else m.set(d.label, [d]);
  }
  return m;
}

/** Greedy one-to-one matching; true when every box of `a` pairs with one of `b` at IoU ≥ minIou. */
function allMatch(a: readonly Detection[], b: readonly Detection[], minIou: number): boolean {
  const pairs: { i: number; j: number; v: number }[] = [];
  a.forEach((da, i) =>
    b.forEach((db, j) => {
      const v = iou(da.box, db.box);
      if (v >= minIou) pairs.push({ i, j, v });
    }),
  );
  pairs.sort((x, y) => y.v - x.v || x.i - y.i || x.j - y.j);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  for (const p of pairs) {
    if (usedA.has(p.i) || usedB.has(p.j)) continue;
    usedA.add(p.i);
    usedB.add(p.j);
  }
  return usedA.size === a.length;
}

/** True when both lists hold the same objects (see above). Two empty lists are the same. */
export function sameDetections(
  a: readonly Detection[],
  b: readonly Detection[],
  minIou: number,
): boolean {
  if (a.length !== b.length) return false;
  const ga = byLabel(a);
  const gb = byLabel(b);
  if (ga.size !== gb.size) return false;
  for (const [label, la] of ga) {
    const lb = gb.get(label);
    if (!lb || lb.length !== la.length || !allMatch(la, lb, minIou)) return false;
  }
  return true;
}
