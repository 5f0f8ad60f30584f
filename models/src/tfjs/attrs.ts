// Typed access to a TF node's attributes (NodeDef.attr as JSON: ints are strings, strings base64).
import type { TfNode } from './manifest.ts';

function attr(node: TfNode, key: string) {
  return node.attr?.[key];
}

function fail(node: TfNode, key: string, want: string): never {
  throw new Error(`${node.op} "${node.name}": attribute ${key} is missing or not ${want}`);
}

export function attrInts(node: TfNode, key: string, fallback?: number[]): number[] {
  const a = attr(node, key);
  if (a?.list) return (a.list.i ?? []).map(Number);
  if (fallback) return fallback;
  return fail(node, key, 'a list of ints');
}

export function attrInt(node: TfNode, key: string, fallback?: number): number {
  const a = attr(node, key);
  if (a?.i !== undefined) return Number(a.i);
  if (fallback !== undefined) return fallback;
  return fail(node, key, 'an int');
}

export function attrFloat(node: TfNode, key: string, fallback?: number): number {
  const a = attr(node, key);
  if (a?.f !== undefined) return a.f;
  if (fallback !== undefined) return fallback;
  return fail(node, key, 'a float');
}

export function attrBool(node: TfNode, key: string, fallback = false): boolean {
  return attr(node, key)?.b ?? fallback;
}

export function attrString(node: TfNode, key: string, fallback?: string): string {
  const s = attr(node, key)?.s;
  if (s !== undefined) return Buffer.from(s, 'base64').toString('utf8');
  if (fallback !== undefined) return fallback;
  return fail(node, key, 'a string');
}

export function attrStrings(node: TfNode, key: string): string[] {
  return (attr(node, key)?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
}

export function attrType(node: TfNode, key: string): string | undefined {
  return attr(node, key)?.type;
}

/** Static shape of a Placeholder (`shape` attr); -1 for unknown dims. */
export function attrShape(node: TfNode, key = 'shape'): number[] | undefined {
  const s = attr(node, key)?.shape as
    { dim?: { size?: string | number }[]; unknownRank?: boolean } | undefined;
  if (!s || s.unknownRank) return undefined;
  return (s.dim ?? []).map((d) => Number(d.size ?? -1));
}
