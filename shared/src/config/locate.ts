// Maps a key path in the parsed data back to a line and column in the YAML text.
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type Node,
} from 'yaml';

export type KeyPath = ReadonlyArray<PropertyKey>;

export interface Located {
  line: number;
  col: number;
  /** True when the whole path exists in the document; false means the nearest ancestor was used. */
  exact: boolean;
}

/** "cameras.dock-door-3.masks[0][2]" */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/**
 * Position of `path` in `doc`: the value's position, or the key's when `key` is set (for unknown
 * or misnamed keys). When the path does not exist (a missing key), the deepest existing key.
 */
export function locate(
  doc: Document,
  lineCounter: LineCounter,
  path: KeyPath,
  key = false,
): Located {
  let node: unknown = doc.contents;
  let offset = 0;
  // Where the deepest matched key (or list item) starts: the best place for a missing child.
  let anchor = 0;
  for (const [i, seg] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    let keyNode: Node | undefined;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg),
      );
      if (pair) {
        keyNode = isScalar(pair.key) ? pair.key : undefined;
        next = pair.value;
      }
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
    }
    if (next === undefined && keyNode === undefined)
      return { ...lineCounter.linePos(anchor), exact: false };
    const last = i === path.length - 1;
    const keyStart = keyNode?.range?.[0];
    const valueStart = (next as Node | null)?.range?.[0];
    offset = (last && key ? keyStart : (valueStart ?? keyStart)) ?? offset;
    anchor = keyStart ?? valueStart ?? anchor;
    node = next;
  }
  return { ...lineCounter.linePos(offset), exact: true };
}
