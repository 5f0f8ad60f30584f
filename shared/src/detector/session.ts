// ONNX Runtime session factory: providers from config, one clear warning on fallback, and a
// record of what actually ran (for model cards).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import type { Logger } from '../log/logger.ts';
import {
  fallbackMessage,
  planProviders,
  sessionConfigSchema,
  type ProviderConfig,
  type SessionConfigInput,
} from './providers.ts';

export interface CreatedSession {
  session: ort.InferenceSession;
  providersRequested: string[];
  /** Providers the session was created with, best first (ORT assigns each node to the first that takes it). */
  providersUsed: string[];
}

const LIB_EXT: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'so',
  darwin: 'dylib',
  win32: 'dll',
};

/**
 * Providers this onnxruntime-node install can load. The npm build lists cuda and tensorrt even
 * when their libraries were not downloaded at install time, so check for the library files too;
 * asking for a missing one makes ORT print a native error before it throws.
 */
export function availableProviders(): Set<string> {
  const out = new Set<string>();
  const binDir = ortBinDir();
  const ext = LIB_EXT[process.platform] ?? 'so';
  for (const b of ort.listSupportedBackends()) {
    if (b.bundled) out.add(b.name);
    else if (binDir && existsSync(path.join(binDir, `libonnxruntime_providers_${b.name}.${ext}`)))
      out.add(b.name);
  }
  return out;
}

function ortBinDir(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    return path.join(path.dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

/**
 * Create a session. `model` is a file path or the model bytes. Missing providers fall back
 * tensorrt → cuda → cpu with a single warning on `logger`.
 */
export async function createSession(
  model: string | Uint8Array,
  config: SessionConfigInput = {},
  logger?: Pick<Logger, 'warn'>,
): Promise<CreatedSession> {
  const parsed = sessionConfigSchema.safeParse(config);
  if (!parsed.success) throw new Error(`invalid session config:\n${z.prettifyError(parsed.error)}`);
  const cfg = parsed.data;
  const plan = planProviders(cfg.providers, availableProviders());
  const providersRequested = cfg.providers.map((p) => p.name);
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: cfg.graphOptimizationLevel,
    // ORT's own warnings (unused initialisers and the like) would drown our logs.
    logSeverityLevel: 3,
    ...(cfg.intraOpThreads !== undefined && { intraOpNumThreads: cfg.intraOpThreads }),
    ...(cfg.interOpThreads !== undefined && { interOpNumThreads: cfg.interOpThreads }),
    // Idle pool threads sleep instead of spinning: the detector shares its cores with decoding
    // and the rest of the pipeline, and a pool thread the OS has parked stalls every parallel
    // op. Measured on this 2-core host under load: NanoDet FP32 and INT8 both ran faster, INT8
    // most (it has more, smaller ops).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  applyTensorrtEnv(plan.use);
  // A provider whose library is present can still fail to start (no GPU, driver mismatch):
  // drop it and try the next, down to CPU.
  let use = plan.use;
  const failed: { name: string; error: string }[] = [];
  for (;;) {
    const options = { ...base, executionProviders: use.map(toOrtProvider) };
    try {
      const session =
        typeof model === 'string'
          ? await ort.InferenceSession.create(model, options)
          : await ort.InferenceSession.create(model, options);
      const providersUsed = use.map((p) => p.name);
      if (failed.length > 0 || plan.missing.some((m) => providersRequested.includes(m))) {
        logger?.warn(
          { requested: providersRequested, missing: plan.missing, failed, using: providersUsed },
          fallbackMessage(cfg.providers, { use, missing: plan.missing }, failed),
        );
      }
      return { session, providersRequested, providersUsed };
    } catch (err) {
      const first = use[0];
      if (use.length <= 1 || !first || first.name === 'cpu') {
        const where = typeof model === 'string' ? model : `${model.byteLength}-byte model`;
        throw new Error(`cannot load ONNX model ${where}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      failed.push({ name: first.name, error: (err as Error).message });
      use = use.slice(1);
    }
  }
}

function toOrtProvider(p: ProviderConfig): ort.InferenceSession.ExecutionProviderConfig {
  if (p.name === 'cpu') return 'cpu';
  return { name: p.name, deviceId: p.deviceId };
}

/**
 * onnxruntime-node 1.30 forwards only deviceId to TensorRT (see its session_options_helper.cc), so
 * precision and engine cache can only travel as the ORT_TENSORRT_* environment variables. Older
 * TensorRT providers read them; newer ones ignore them once given an options struct, which the
 * Node binding always passes. Untested here (no GPU): check the engine cache folder on a Jetson.
 */
function applyTensorrtEnv(use: readonly ProviderConfig[]): void {
  const trt = use.find((p) => p.name === 'tensorrt');
  if (!trt) return;
  process.env.ORT_TENSORRT_INT8_ENABLE = trt.int8 ? '1' : '0';
  process.env.ORT_TENSORRT_FP16_ENABLE = trt.fp16 ? '1' : '0';
  if (trt.engineCachePath) {
    process.env.ORT_TENSORRT_ENGINE_CACHE_ENABLE = '1';
    process.env.ORT_TENSORRT_CACHE_PATH = trt.engineCachePath;
  }
}
