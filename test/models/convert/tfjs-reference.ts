// Runs an original TFJS graph model with @tensorflow/tfjs on its wasm backend: the reference
// the converted ONNX is compared against. Loaded from files through a custom IOHandler.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

let ready: Promise<void> | undefined;

export function useWasmBackend(): Promise<void> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmDir = path.dirname(
      require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
    );
    setWasmPaths(`${wasmDir}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to start');
    await tf.ready();
  })();
  return ready;
}

interface ModelJsonFile {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: object;
  userDefinedMetadata?: Record<string, object>;
}

export async function loadReferenceModel(jsonPath: string): Promise<tf.GraphModel> {
  await useWasmBackend();
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJsonFile;
  const dir = path.dirname(jsonPath);
  const bins = json.weightsManifest.flatMap((g) =>
    g.paths.map((p) => readFileSync(path.join(dir, p))),
  );
  const all = Buffer.concat(bins);
  const handler: tf.io.IOHandler = {
    load: () =>
      Promise.resolve({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
      }),
  };
  return tf.loadGraphModel(handler);
}

/** Runs the model on one input and returns the named outputs as Float32Arrays. */
export async function runReference(
  model: tf.GraphModel,
  input: Float32Array,
  shape: readonly number[],
  outputNames: readonly string[],
): Promise<Float32Array[]> {
  const x = tf.tensor(input, [...shape], 'float32');
  const outs = model.execute(x, [...outputNames]) as tf.Tensor[];
  const values = await Promise.all(outs.map(async (o) => Float32Array.from(await o.data())));
  tf.dispose([x, ...outs]);
  return values;
}
