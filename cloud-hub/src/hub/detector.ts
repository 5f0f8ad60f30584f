// The cloud detector from hub.yaml `detector`: its `file` (relative to hub.yaml), else the
// packaged model for the adapter in models/build (or PRETAG_MODELS_DIR), built by
// `pretag models build`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from '@pretag/shared/cli/errors';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import { detectorConfigFromModel } from '@pretag/shared/detector/from-model-config';
import type { ModelBlock } from '@pretag/shared/detector/from-model-config';
import { createDetector } from '@pretag/shared/detector/onnx-detector';
import type { Detector } from '@pretag/shared/detector/types';
import type { Logger } from '@pretag/shared/log/logger';

export function packagedModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PRETAG_MODELS_DIR) return path.resolve(env.PRETAG_MODELS_DIR);
  return fileURLToPath(new URL('../../../models/build', import.meta.url));
}

/** The ONNX file the hub's detector runs (FP32: the cloud has no reason to quantise). */
export function cloudModelFile(detector: HubConfig['detector'], configDir: string): string {
  if (detector.file) return path.resolve(configDir, detector.file);
  const file = path.join(packagedModelsDir(), `${detector.adapter}.onnx`);
  if (!existsSync(file))
    throw new CliError(
      `no ONNX model for detector adapter "${detector.adapter}": ${file} is missing; run \`pretag models build\` or set detector.file in hub.yaml`,
    );
  return file;
}

export async function openCloudDetector(
  detector: HubConfig['detector'],
  configDir: string,
  logger?: Pick<Logger, 'warn'>,
): Promise<Detector> {
  const file = cloudModelFile(detector, configDir);
  // The schema's field helpers widen the enums to string; the values were checked on load.
  return createDetector(detectorConfigFromModel(detector as ModelBlock, file), {
    baseDir: configDir,
    ...(logger && { logger }),
  });
}
