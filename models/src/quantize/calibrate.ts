// Run the float model over calibration feeds with every tensor to be quantized exposed as an
// extra graph output, and collect each tensor's range statistics.
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import type { CalibrationFeeds, CalibrationSource } from './calibration-source.ts';
import type { ModelProto } from './onnx-model.ts';
import { DT, encodeModel } from './onnx-model.ts';
import { RangeCollector } from './ranges.ts';

export interface CalibrationResult {
  collectors: Map<string, RangeCollector>;
  /** Number of calibration inputs run. */
  count: number;
  /** sha256 over every calibration tensor (name, dims, bytes) in order. */
  sha256: string;
}

export class CalibrationError extends Error {
  override name = 'CalibrationError';
}

/** A copy of the model whose outputs also include `tensors` (declared float32). */
export function withExtraOutputs(model: ModelProto, tensors: string[]): Uint8Array {
  const graph = model.graph!;
  const existing = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const extra = tensors
    .filter((t) => !existing.has(t))
    .map((name) => ({ name, type: { tensorType: { elemType: DT.FLOAT } } }));
  return encodeModel({
    ...model,
    graph: { ...graph, output: [...(graph.output ?? []), ...extra] },
  });
}

export async function calibrate(
  model: ModelProto,
  tensors: string[],
  source: CalibrationSource,
  histogram = true,
): Promise<CalibrationResult> {
  const session = await ort.InferenceSession.create(withExtraOutputs(model, tensors), {
    graphOptimizationLevel: 'basic',
  });
  const collectors = new Map(tensors.map((t) => [t, new RangeCollector(histogram)]));
  const hash = createHash('sha256');
  let count = 0;
  try {
    for await (const item of source.feeds()) {
      const feeds = toFeeds(item, session.inputNames);
      for (const name of Object.keys(feeds).sort()) {
        const t = feeds[name]!;
        hash.update(`${name}:${t.dims.join('x')}:${t.type}\n`);
        const d = t.data as unknown as ArrayBufferView;
        hash.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      }
      let out: ort.InferenceSession.OnnxValueMapType;
      try {
        out = await session.run(feeds, tensors);
      } catch (err) {
        throw new CalibrationError(
          `calibration input #${count + 1} (${source.label}) failed: ${(err as Error).message}`,
        );
      }
      for (const name of tensors) {
        const value = out[name];
        if (!value || value.type !== 'float32') {
          throw new CalibrationError(
            `tensor ${name} is ${value?.type ?? 'missing'}, expected float32`,
          );
        }
        collectors.get(name)!.add(value.data as Float32Array);
        value.dispose();
      }
      count++;
    }
  } finally {
    await session.release();
  }
  if (count === 0)
    throw new CalibrationError(`calibration source (${source.label}) gave no inputs`);
  return { collectors, count, sha256: hash.digest('hex') };
}

function toFeeds(
  item: CalibrationFeeds,
  inputNames: readonly string[],
): Record<string, ort.Tensor> {
  if (isTensor(item)) {
    if (inputNames.length !== 1) {
      throw new CalibrationError(
        `model has ${inputNames.length} inputs; preprocess must return named feeds`,
      );
    }
    return { [inputNames[0]!]: item };
  }
  const missing = inputNames.filter((n) => !(n in item));
  if (missing.length)
    throw new CalibrationError(`calibration feeds lack model inputs: ${missing.join(', ')}`);
  return item;
}

function isTensor(item: CalibrationFeeds): item is ort.Tensor {
  const t = item as Partial<ort.Tensor>;
  return Array.isArray(t.dims) && typeof t.type === 'string' && t.data !== undefined;
}
