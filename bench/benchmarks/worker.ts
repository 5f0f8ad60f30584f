// Detection-worker overhead per frame (ms/frame), same frames, same model, same session.
// - baseline: detector.detect(jpeg) on JPEGs already in memory, one after another: decode,
//   preprocess, ONNX Runtime inference, box decoding (the default cloud model, CenterNet FP32).
// - subject: the in-process worker on a ledger holding the same frames as queued jobs: lease
//   (8 per batch), read each JPEG from an FsBlobStore, the same detect call, cleanup with hub
//   default rules, complete in the ledger, concurrency 1. Seeding the ledger is not timed.
// ratio − 1 is the worker's overhead over raw inference (goal ≤ 0.15).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FsBlobStore } from '@pretag/shared/blob/fs-store';
import { CLEANUP_BUILTIN_DEFAULTS } from '@pretag/shared/config/hub-schema';
import { rulesFromSettings } from '@pretag/cloud-hub/cleanup/from-config';
import { openLedger } from '@pretag/cloud-hub/ledger/open';
import { startWorker } from '@pretag/cloud-hub/workers/worker-loop';
import {
  VIDEO,
  cloudDetector,
  extractJpegs,
  seedFrames,
} from '../../test/cloud-hub/workers/fixture.ts';
import type { BenchCase, Benchmark, Measure } from '../lib/types.ts';

const FRAMES = 20;
const RULES = rulesFromSettings(CLEANUP_BUILTIN_DEFAULTS);

export const worker: Benchmark = {
  name: 'worker',
  description: 'ms/frame of the detection worker (blob, detect, cleanup, ledger) vs raw detect()',
  media: [VIDEO],
  async cases(ctx): Promise<BenchCase[]> {
    const dir = mkdtempSync(path.join(tmpdir(), 'pretag-bench-worker-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const jpegs = extractJpegs(ctx.media[0] as string, FRAMES, dir);
    const buffers = jpegs.map((f) => readFileSync(f));
    const detector = await cloudDetector();
    // One untimed pass so neither side pays ONNX Runtime's first-run cost.
    for (const b of buffers.slice(0, 2)) await detector.detect(b);

    const raw: Measure = {
      label: `detector.detect(JPEG buffer) × ${FRAMES}, CenterNet FP32`,
      async run() {
        const t0 = performance.now();
        for (const b of buffers) await detector.detect(b);
        return (performance.now() - t0) / FRAMES;
      },
    };
    let runNo = 0;
    const viaWorker: Measure = {
      label: `startWorker over ${FRAMES} queued jobs (lease 8, blob read, cleanup, complete)`,
      async run() {
        const sub = path.join(dir, `run-${runNo++}`);
        const file = path.join(sub, 'hub.db');
        await seedFrames(file, path.join(sub, 'blobs'), jpegs);
        const ledger = openLedger(file);
        try {
          const t0 = performance.now();
          const w = startWorker({
            ledger,
            blobs: new FsBlobStore(path.join(sub, 'blobs')),
            detector,
            rulesFor: () => RULES,
            maxFrames: 8,
            maxWaitMs: 0,
            concurrency: 1,
          });
          await w.drained();
          const ms = (performance.now() - t0) / FRAMES;
          await w.stop();
          if (ledger.jobs.counts().done !== FRAMES) throw new Error('not every job was done');
          return ms;
        } finally {
          ledger.close();
          rmSync(sub, { recursive: true, force: true });
        }
      },
    };
    return [
      { name: `${FRAMES} campus frames`, unit: 'ms/frame', baseline: raw, subject: viaWorker },
    ];
  },
};
