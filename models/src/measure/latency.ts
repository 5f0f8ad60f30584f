// Latency of one model on one fixed image: the median of N timed runs after warm-up, both the
// bare session.run and the whole detect() (resize, pack, run, decode).
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import type { DetectorConfigInput } from '@pretag/shared/detector/config';
import { decodeImage, prepareInput } from '@pretag/shared/detector/image';
import { createDetector } from '@pretag/shared/detector/onnx-detector';
import { createSession } from '@pretag/shared/detector/session';

export interface LatencyResult {
  image: string;
  runs: number;
  warmup: number;
  /** Median ms of session.run alone. */
  inferenceMs: number;
  /** Median ms of detect(): preprocessing, inference and decoding, on decoded pixels. */
  detectMs: number;
  /** Execution providers the sessions were created with (what ran). */
  providers: string[];
  intraOpThreads: 'onnxruntime default';
}

export function median(values: readonly number[]): number {
  if (!values.length) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function timeRuns(n: number, warmup: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}

export async function measureLatency(
  config: DetectorConfigInput,
  image: { name: string; bytes: Buffer },
  opts: { runs?: number; warmup?: number } = {},
): Promise<LatencyResult> {
  const runs = opts.runs ?? 20;
  const warmup = opts.warmup ?? 3;
  const pixels = await decodeImage(image.bytes);
  const detector = await createDetector(config);
  let detectTimes: number[];
  try {
    detectTimes = await timeRuns(runs, warmup, () => detector.detect(pixels));
  } finally {
    await detector.close();
  }
  const { info } = detector;
  const created = await createSession(info.file, config.session ?? {});
  let inferTimes: number[];
  try {
    const prepared = await prepareInput(pixels, info.input);
    const feeds = { [info.inputName]: new ort.Tensor('float32', prepared.data, prepared.dims) };
    inferTimes = await timeRuns(runs, warmup, () => created.session.run(feeds));
  } finally {
    await created.session.release();
  }
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    image: image.name,
    runs,
    warmup,
    inferenceMs: round(median(inferTimes)),
    detectMs: round(median(detectTimes)),
    providers: [...created.providersUsed],
    intraOpThreads: 'onnxruntime default',
  };
}
