// Edge model latency, INT8 against FP32 (ms per session.run), same process, same input:
// - baseline: NanoDet FP32 (models/build/nanodet.onnx);
// - subject: NanoDet INT8, uint8 activations (nanodet.int8.onnx, built by `pretag models build`).
// Both sessions come from the same factory with the same options (CPU, full optimisation) and are
// fed one real photo preprocessed by the NanoDet adapter. The first case uses ONNX Runtime's
// default threads, as the edge does (the headline); the second pins one intra-op thread, which
// shows the kernels' own speed-up without the thread pool's share of a busy machine.
// Goal on an AVX-512 VNNI CPU: ratio ≤ 0.5.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { prepareInput } from '@pretag/shared/detector/image';
import { createSession } from '@pretag/shared/detector/session';
import { modelCardSchema } from '@pretag/models/build/card';
import { defaultModelsDir } from '@pretag/models/build/paths';
import { inputSpecOfCard } from '@pretag/models/int8/calibration-feeds';
import type { BenchCase, Benchmark, Measure } from '../lib/types.ts';

const RUNS_PER_REPEAT = 10;

async function timedSession(
  file: string,
  label: string,
  feedsOf: (name: string) => ort.Tensor,
  intraOpThreads?: number,
) {
  const { session } = await createSession(file, {
    providers: ['cpu'],
    ...(intraOpThreads === undefined ? {} : { intraOpThreads }),
  });
  const feeds = { [session.inputNames[0] ?? '']: feedsOf(session.inputNames[0] ?? '') };
  for (let i = 0; i < 3; i++) await session.run(feeds); // ORT's first runs allocate and tune
  process.once('beforeExit', () => void session.release());
  const m: Measure = {
    label,
    async run() {
      const t0 = performance.now();
      for (let i = 0; i < RUNS_PER_REPEAT; i++) await session.run(feeds);
      return (performance.now() - t0) / RUNS_PER_REPEAT;
    },
  };
  return m;
}

export const int8: Benchmark = {
  name: 'int8',
  description: 'ms per NanoDet session.run: INT8 (uint8 QDQ) vs FP32, same input and options',
  media: ['images/darknet-nogt/person.jpg'],
  async cases(ctx): Promise<BenchCase[]> {
    const dir = defaultModelsDir();
    const fp32 = path.join(dir, 'nanodet.onnx');
    const q = path.join(dir, 'nanodet.int8.onnx');
    const cardFile = path.join(dir, 'nanodet.card.json');
    const missing = [fp32, q, cardFile].filter((f) => !existsSync(f));
    if (missing.length) {
      console.log(
        `SKIP int8: not built: ${missing.join(', ')} (run \`pretag models build\` with calibration frames)`,
      );
      return [];
    }
    const card = modelCardSchema.parse(JSON.parse(readFileSync(cardFile, 'utf8')));
    const prepared = await prepareInput(
      readFileSync(ctx.media[0] as string),
      inputSpecOfCard(card),
    );
    const tensor = () => new ort.Tensor('float32', prepared.data, prepared.dims);
    const out: BenchCase[] = [];
    for (const threads of [undefined, 1]) {
      const tag = threads === undefined ? '' : `, ${threads} thread`;
      out.push({
        name: `nanodet 416×416, CPU${tag}`,
        unit: 'ms/run',
        baseline: await timedSession(
          fp32,
          `FP32 nanodet.onnx session.run × ${RUNS_PER_REPEAT}${tag}`,
          tensor,
          threads,
        ),
        subject: await timedSession(
          q,
          `INT8 nanodet.int8.onnx session.run × ${RUNS_PER_REPEAT}${tag}`,
          tensor,
          threads,
        ),
      });
    }
    return out;
  },
};
