// Replay: upload ratio and person-window coverage (quality), and replay wall time against
// decode-only time + the inferences it ran (speed: the pre-filter on inferred frames, the face
// detector on uploaded frames), on the shared test videos.
// Coverage: CenterNet FP32 (the cloud-quality reference) runs on EVERY frame the replay sampled;
// a 5-second window "has a person" when it finds one in any of them, and is covered when the
// replay uploaded at least one frame in it.
// Run directly for the quality figures: node bench/benchmarks/replay.ts [video ...]
// and for the agent's memory with 4 cameras: node bench/benchmarks/replay.ts --rss
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDetector } from '@pretag/shared/detector/onnx-detector';
import type { Detector } from '@pretag/shared/detector/types';
import {
  modelsDir,
  openFaceDetector,
  openPrefilterDetector,
} from '@pretag/edge-agent/pipeline/models';
import { runReplay } from '@pretag/edge-agent/replay/replay';
import type { ReplayResult } from '@pretag/edge-agent/replay/replay';
import { openFrameSource, probeVideo } from '@pretag/edge-agent/sources/index';
import type { Benchmark, BenchCase } from '../lib/types.ts';

const WINDOW_S = 5;
const VIDEOS = [
  'video/indoor-one-by-one-person.mp4',
  'video/campus-pedestrians-vtest.avi',
  'video/warehouse-worker-zone.mp4',
];

function writeConfig(dir: string, sampleFps: number): string {
  const file = path.join(dir, 'edge.yaml');
  writeFileSync(
    file,
    `site: bench\ndevice: bench\nhub: { mqtt: mqtt://127.0.0.1:1883, blob: azure }\n` +
      `defaults:\n  sample_fps: ${sampleFps}\ncameras:\n  cam:\n    url: rtsp://127.0.0.1/x\n`,
  );
  return file;
}

interface Detectors {
  prefilter: Detector;
  face: Detector;
}

async function openDetectors(): Promise<Detectors> {
  return {
    prefilter: await openPrefilterDetector(
      { adapter: 'nanodet', providers: ['cpu'], tensorrt: { precision: 'fp32' } },
      process.cwd(),
    ),
    face: await openFaceDetector(0.5),
  };
}

async function replayOnce(video: string, det: Detectors, sampleFps = 2): Promise<ReplayResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-replay-'));
  try {
    return await runReplay({
      config: writeConfig(dir, sampleFps),
      camera: 'cam',
      video,
      out: path.join(dir, 'out'),
      start: new Date('2026-11-27T10:00:00Z'),
      detectors: { prefilter: det.prefilter, face: det.face },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Seconds to decode the video as replay does (same rate and format), doing nothing else. */
async function decodeOnlyS(video: string, fps: number): Promise<number> {
  const t0 = performance.now();
  for await (const f of openFrameSource({ input: video, fps, format: 'rgb24', live: false }))
    if (f.data.length === 0) throw new Error('empty frame');
  return (performance.now() - t0) / 1000;
}

export interface Quality {
  video: string;
  sampled: number;
  uploaded: number;
  uploadRatio: number;
  byReason: Record<string, number>;
  /** Per reference score bar: windows with a person, and the share covered by an upload. */
  coverage: { minScore: number; personWindows: number; covered: number; share: number }[];
}

/** Upload ratio and person-window coverage of one replay at `sampleFps`. */
export async function replayQuality(
  video: string,
  det: Detectors,
  sampleFps = 2,
): Promise<Quality> {
  const { records, summary } = await replayOnce(video, det, sampleFps);
  const info = await probeVideo(video);
  const sourceFps = Math.min(4, info.fps);
  const reference = await createDetector({
    adapter: 'centernet',
    file: path.join(modelsDir(), 'centernet.onnx'),
    scoreThreshold: 0.2,
  });
  // Best person score per sampled frame index.
  const sampledIdx = new Map(records.map((r) => [r.index, r]));
  const best = new Map<number, number>();
  try {
    for await (const f of openFrameSource({
      input: video,
      fps: sourceFps,
      format: 'rgb24',
      live: false,
    })) {
      if (!sampledIdx.has(f.index)) continue;
      const dets = await reference.detect({ width: f.width, height: f.height, data: f.data });
      best.set(
        f.index,
        Math.max(0, ...dets.filter((d) => d.label === 'person').map((d) => d.score)),
      );
    }
  } finally {
    await reference.close();
  }
  const uploadedWindows = new Set(
    records.filter((r) => r.decision === 'upload').map((r) => Math.floor(r.t / WINDOW_S)),
  );
  const coverage = [0.3, 0.5].map((minScore) => {
    const personWindows = new Set(
      records
        .filter((r) => (best.get(r.index) ?? 0) >= minScore)
        .map((r) => Math.floor(r.t / WINDOW_S)),
    );
    const covered = [...personWindows].filter((w) => uploadedWindows.has(w)).length;
    return {
      minScore,
      personWindows: personWindows.size,
      covered,
      share: personWindows.size ? covered / personWindows.size : 1,
    };
  });
  return {
    video: path.basename(video),
    sampled: summary.counts.sampled,
    uploaded: summary.counts.uploaded,
    uploadRatio: summary.uploadRatio,
    byReason: summary.counts.uploadedByReason,
    coverage,
  };
}

export interface Speed {
  wallS: number;
  decodeS: number;
  /** Pre-filter detector time. */
  inferenceS: number;
  /** Face detector time (uploaded frames only). */
  faceInferenceS: number;
  /** Redaction and JPEG encoding, face detector included. */
  redactS: number;
}

/** Replay wall time, and decode-only + inference times, measured back to back. */
export async function replaySpeed(video: string, det: Detectors): Promise<Speed> {
  const info = await probeVideo(video);
  const decodeS = await decodeOnlyS(video, Math.min(4, info.fps));
  const { summary } = await replayOnce(video, det);
  return {
    wallS: summary.timing.wallMs / 1000,
    decodeS,
    inferenceS: summary.timing.inferenceMs / 1000,
    faceInferenceS: summary.timing.faceInferenceMs / 1000,
    redactS: summary.timing.redactEncodeMs / 1000,
  };
}

/** The replay's unavoidable work: decoding, and every inference it ran. */
export const baselineS = (s: Speed): number => s.decodeS + s.inferenceS + s.faceInferenceS;

export const replay: Benchmark = {
  name: 'replay',
  description:
    'edge replay wall time vs decode-only + the pre-filter inferences it ran (same run); quality figures on stderr',
  media: VIDEOS,
  async cases({ media }): Promise<BenchCase[]> {
    const det = await openDetectors();
    return media.map((video) => {
      // Baseline and subject come from one measured pair, so they see the same machine load:
      // whichever runs first measures both, the other takes the result.
      let shared: ReturnType<typeof replaySpeed> | undefined;
      const half = () => {
        if (shared) {
          const s = shared;
          shared = undefined;
          return s;
        }
        return (shared = replaySpeed(video, det));
      };
      return {
        name: path.basename(video),
        unit: 's',
        baseline: {
          label:
            'decode-only (same fps, rgb24) + inference time of the replay (pre-filter, face detector)',
          run: async () => baselineS(await half()),
        },
        subject: {
          label: 'pretag edge replay wall time (sample_fps 2, redaction on)',
          run: async () => (await half()).wallS,
        },
      };
    });
  },
};

/** Peak and final RSS (MiB) of one `pretag edge run` with 4 file cameras, over `seconds`. */
export async function agentRss(videos: string[], seconds = 45): Promise<object> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-agent-'));
  const port = 19000 + Math.floor(Math.random() * 1000);
  const cams = videos.map((v, i) => `  cam${i + 1}:\n    url: ${v}\n`).join('');
  const cfg = path.join(dir, 'edge.yaml');
  writeFileSync(
    cfg,
    `site: bench\ndevice: bench\nhub: { mqtt: mqtt://127.0.0.1:1883, blob: azure }\n` +
      `defaults:\n  sample_fps: 2\ncameras:\n${cams}spool:\n  dir: ${dir}/spool\nhealth:\n  port: ${port}\n`,
  );
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const child = spawn(
    process.execPath,
    [path.join(root, 'node_modules/.bin/pretag'), 'edge', 'run', '--config', cfg],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, PRETAG_LOG_LEVEL: 'warn' },
    },
  );
  const rssMiB = () => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return Number(m?.[1] ?? 0) / 1024;
  };
  let peak = 0;
  let last = 0;
  for (let s = 0; s < seconds; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    last = rssMiB();
    peak = Math.max(peak, last);
  }
  const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
    cameras: Record<string, { state: string; counters: { sampled: number; inferred: number } }>;
  };
  child.kill('SIGTERM');
  const code = await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return {
    cameras: videos.length,
    seconds,
    peakRssMiB: Number(peak.toFixed(1)),
    lastRssMiB: Number(last.toFixed(1)),
    exitCode: code,
    perCamera: Object.fromEntries(
      Object.entries(health.cameras).map(([id, c]) => [id, { state: c.state, ...c.counters }]),
    ),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const media =
    process.env.PRETAG_MEDIA ??
    path.resolve(fileURLToPath(new URL('../../..', import.meta.url)), 'shared/media');
  const all = VIDEOS.map((v) => path.join(media, v));
  if (process.argv[2] === '--rss') {
    console.log(JSON.stringify(await agentRss([...all, all[0] as string])));
    process.exit(0);
  }
  const videos = process.argv.slice(2).length ? process.argv.slice(2) : all;
  const det = await openDetectors();
  for (const v of videos) {
    const q = await replayQuality(v, det);
    console.log(JSON.stringify(q));
    const s = await replaySpeed(v, det);
    console.log(
      JSON.stringify({
        video: path.basename(v),
        ...s,
        ratio: s.wallS / baselineS(s),
        // The same without the face detector in the baseline (pre-filter inferences only).
        ratioPrefilterOnly: s.wallS / (s.decodeS + s.inferenceS),
      }),
    );
  }
  await det.prefilter.close();
  await det.face.close();
}
