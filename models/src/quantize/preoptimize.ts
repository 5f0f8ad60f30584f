// ORT's basic (level 1) graph optimisations on the float model before quantizing, as ORT's own
// quantization pre-processing does: constant folding and the transpose optimiser cancel the
// NHWC↔NCHW Transposes a TFJS conversion leaves around Conv, so Q/DQ land where ORT can fuse them.
// Level 1 rewrites keep every op in the standard ONNX domain, so TensorRT can still read the file.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

export async function preOptimize(model: Uint8Array): Promise<Uint8Array> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pretag-preopt-'));
  const file = path.join(dir, 'model.onnx');
  try {
    const session = await ort.InferenceSession.create(model, {
      graphOptimizationLevel: 'basic',
      optimizedModelFilePath: file,
    });
    await session.release();
    return new Uint8Array(await readFile(file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
