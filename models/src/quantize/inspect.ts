// What ONNX Runtime actually runs: op-type counts of the graph after its optimisations
// (shows whether Q/DQ were fused into QLinearConv & co. or left as float islands).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel } from './onnx-model.ts';

export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'layout' | 'all';

export async function optimizedOpCounts(
  model: string | Uint8Array,
  level: OptimizationLevel = 'all',
): Promise<Record<string, number>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pretag-inspect-'));
  const file = path.join(dir, 'optimized.onnx');
  try {
    // Severity 3 (errors only): ORT warns on every optimised-model write, which is the point here.
    const opts = {
      graphOptimizationLevel: level,
      optimizedModelFilePath: file,
      logSeverityLevel: 3 as const,
    };
    const session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, opts)
        : await ort.InferenceSession.create(model, opts);
    await session.release();
    return opCounts(new Uint8Array(await readFile(file)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function opCounts(bytes: Uint8Array): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of decodeModel(bytes).graph?.node ?? []) {
    const key = n.domain ? `${n.domain}:${n.opType ?? ''}` : (n.opType ?? '');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
