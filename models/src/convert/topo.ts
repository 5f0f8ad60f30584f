// Orders the TF nodes so every input comes first, keeping only what the outputs need.
import type { TfNode } from '../tfjs/manifest.ts';

/** "x:1" → "x"; "^x" (control) → "x". */
export function nodeOf(ref: string): string {
  const r = ref.startsWith('^') ? ref.slice(1) : ref;
  const colon = r.lastIndexOf(':');
  return colon > 0 && /^\d+$/.test(r.slice(colon + 1)) ? r.slice(0, colon) : r;
}

/** Data inputs only, "x:0" normalised to "x". */
export function dataInputs(node: TfNode): string[] {
  return (node.input ?? [])
    .filter((r) => !r.startsWith('^'))
    .map((r) => (r.endsWith(':0') ? r.slice(0, -2) : r));
}

export function orderNodes(nodes: readonly TfNode[], outputs: readonly string[]): TfNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const needed = new Set<string>();
  const stack = outputs.map(nodeOf);
  while (stack.length) {
    const name = stack.pop() as string;
    if (needed.has(name)) continue;
    const node = byName.get(name);
    if (!node) throw new Error(`graph refers to a missing node "${name}"`);
    needed.add(name);
    for (const r of dataInputs(node)) stack.push(nodeOf(r));
  }
  // Depth-first post-order in file order: deterministic, and inputs always precede users.
  const order: TfNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`graph has a cycle through "${name}"`);
    state.set(name, 'visiting');
    const node = byName.get(name) as TfNode;
    for (const r of dataInputs(node)) visit(nodeOf(r));
    state.set(name, 'done');
    order.push(node);
  };
  for (const n of nodes) if (needed.has(n.name)) visit(n.name);
  return order;
}
