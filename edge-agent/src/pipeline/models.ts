// Which ONNX files the agent runs: edge.yaml `model` (file relative to the config's folder), else
// the packaged build: nanodet.int8.onnx when it has been built, else nanodet.onnx (FP32).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EdgeConfig } from '@pretag/shared/config/edge-schema';
import { createDetector } from '@pretag/shared/detector/onnx-detector';
import { detectorConfigFromModel } from '@pretag/shared/detector/from-model-config';
import type { ModelBlock } from '@pretag/shared/detector/from-model-config';
import type { Detector } from '@pretag/shared/detector/types';
import { CliError } from '@pretag/shared/cli/errors';
import { createFaceDetector } from '../privacy/face-detector.ts';

/** models/build of the checkout, or PRETAG_MODELS_DIR. */
export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PRETAG_MODELS_DIR) return path.resolve(env.PRETAG_MODELS_DIR);
  return fileURLToPath(new URL('../../../models/build', import.meta.url));
}

export function modelFileFor(model: EdgeConfig['model'], configDir: string): string {
  if (model.file) return path.resolve(configDir, model.file);
  const dir = modelsDir();
  const candidates = [`${model.adapter}.int8.onnx`, `${model.adapter}.onnx`].map((f) =>
    path.join(dir, f),
  );
  const found = candidates.find((f) => existsSync(f));
  if (!found)
    throw new CliError(
      `no ONNX model for adapter "${model.adapter}": looked for ${candidates.join(', ')}; run \`pretag models build\` or set model.file in edge.yaml`,
    );
  return found;
}

/** The pre-filter detector; its score bar is low because each camera's min_score filters later. */
export async function openPrefilterDetector(
  model: EdgeConfig['model'],
  configDir: string,
): Promise<Detector> {
  const file = modelFileFor(model, configDir);
  return createDetector({
    // The schema's field helpers widen the enums to string; the values were checked on load.
    ...detectorConfigFromModel(model as ModelBlock, file),
    scoreThreshold: 0.05,
  });
}

export async function openFaceDetector(minFaceScore: number): Promise<Detector> {
  const file = path.join(modelsDir(), 'blazeface-back.onnx');
  if (!existsSync(file))
    throw new CliError(
      `face detector ${file} is missing: run \`pretag models build\` (or use --no-redact)`,
    );
  return createFaceDetector(file, { min_face_score: minFaceScore });
}
