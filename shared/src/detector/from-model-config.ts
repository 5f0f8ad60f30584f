// Turns the `model:` (edge.yaml) / `detector:` (hub.yaml) block, as the config schema parses it,
// into a detector config. Typed structurally so this file does not depend on the config module.
import type { DetectorConfigInput } from './config.ts';
import type { SessionConfigInput } from './providers.ts';

export interface ModelBlock {
  adapter: string;
  file?: string | undefined;
  classes?: readonly string[] | undefined;
  providers: readonly ('tensorrt' | 'cuda' | 'cpu')[];
  tensorrt?:
    | { precision?: 'int8' | 'fp16' | 'fp32' | undefined; engine_cache?: string | undefined }
    | undefined;
  resize?: 'letterbox' | 'stretch' | undefined;
  threads?: number | undefined;
  min_score?: number | undefined;
}

/** `file` must be resolved by then (absent means "build the packaged default", done elsewhere). */
export function detectorConfigFromModel(
  m: ModelBlock,
  file: string,
  id?: string,
): DetectorConfigInput {
  const precision = m.tensorrt?.precision ?? 'fp32';
  const providers: SessionConfigInput['providers'] = m.providers.map((p) =>
    p === 'tensorrt'
      ? {
          name: 'tensorrt' as const,
          int8: precision === 'int8',
          // With INT8 on, layers TensorRT cannot quantise still run in FP16 rather than FP32.
          fp16: precision !== 'fp32',
          ...(m.tensorrt?.engine_cache !== undefined && {
            engineCachePath: m.tensorrt.engine_cache,
          }),
        }
      : p,
  );
  return {
    ...(id !== undefined && { id }),
    adapter: m.adapter,
    file,
    ...(m.classes && { classes: [...m.classes] }),
    ...(m.resize && { input: { resize: m.resize } }),
    ...(m.min_score !== undefined && { scoreThreshold: m.min_score }),
    session: { providers, ...(m.threads !== undefined && { intraOpThreads: m.threads }) },
  };
}
