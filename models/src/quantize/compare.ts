// FP32 vs INT8 in one process: interleaved latency (so machine load hits both alike) and the
// largest output differences on the same inputs.
import * as ort from 'onnxruntime-node';

export interface LatencyComparison {
  fp32Ms: number;
  int8Ms: number;
  /** int8 median / fp32 median: the goal on a VNNI CPU is ≤ 0.5. */
  ratio: number;
  runs: number;
}

export interface CompareOptions {
  fp32: string;
  int8: string;
  feeds: Record<string, ort.Tensor>;
  /** Timed runs per model (medians reported); default 15. */
  runs?: number;
  warmup?: number;
  sessionOptions?: ort.InferenceSession.SessionOptions;
}

export async function compareLatency(opts: CompareOptions): Promise<LatencyComparison> {
  const runs = opts.runs ?? 15;
  const fp32 = await ort.InferenceSession.create(opts.fp32, opts.sessionOptions);
  const int8 = await ort.InferenceSession.create(opts.int8, opts.sessionOptions);
  try {
    for (let i = 0; i < (opts.warmup ?? 3); i++) {
      await fp32.run(opts.feeds);
      await int8.run(opts.feeds);
    }
    const tf: number[] = [];
    const tq: number[] = [];
    for (let i = 0; i < runs; i++) {
      tf.push(await timed(fp32, opts.feeds));
      tq.push(await timed(int8, opts.feeds));
    }
    const fp32Ms = median(tf);
    const int8Ms = median(tq);
    return { fp32Ms, int8Ms, ratio: int8Ms / fp32Ms, runs };
  } finally {
    await fp32.release();
    await int8.release();
  }
}

async function timed(s: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<number> {
  const t0 = performance.now();
  await s.run(feeds);
  return performance.now() - t0;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Largest |a − b| per output name (float outputs only). */
export function maxAbsDiff(
  a: ort.InferenceSession.OnnxValueMapType,
  b: ort.InferenceSession.OnnxValueMapType,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, ta] of Object.entries(a)) {
    const tb = b[name];
    if (!tb || ta.type !== 'float32' || tb.type !== 'float32') continue;
    const x = ta.data as Float32Array;
    const y = tb.data as Float32Array;
    let m = 0;
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
    out[name] = m;
  }
  return out;
}
