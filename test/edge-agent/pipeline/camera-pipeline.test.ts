// CameraPipeline on real frames (ffmpeg), the real pre-filter and face models (ONNX Runtime).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/src/config/load.ts';
import type { EdgeConfig } from '../../../shared/src/config/edge-schema.ts';
import type { Detector } from '../../../shared/src/detector/types.ts';
import { framePayloadSchema } from '../../../shared/src/mqtt/payloads.ts';
import type { FramePayload } from '../../../shared/src/mqtt/payloads.ts';
import { CameraPipeline } from '../../../edge-agent/src/pipeline/camera-pipeline.ts';
import type { FrameRecord } from '../../../edge-agent/src/pipeline/camera-pipeline.ts';
import {
  openFaceDetector,
  openPrefilterDetector,
} from '../../../edge-agent/src/pipeline/models.ts';
import { LazyDetector } from '../../../edge-agent/src/privacy/lazy-detector.ts';
import { openFrameSource } from '../../../edge-agent/src/sources/index.ts';
import type { RawFrame } from '../../../edge-agent/src/sources/index.ts';
import { needMedia } from '../../helpers/media.ts';

const m = needMedia('video/warehouse-worker-zone.mp4');

const YAML = `site: plant-1
device: orin-7
hub: { mqtt: mqtt://127.0.0.1:1883, blob: azure }
# No upload pacing, so that a short clip uploads (and here redacts) several frames.
defaults:
  sample_fps: 2
  max_fps: 2
  audit_rate: 0
  novelty: { min_gap_s: 0, presence_s: 0.1 }
cameras:
  zone: { url: rtsp://10.0.0.1/x }
`;

function config(yaml = YAML): EdgeConfig {
  const r = parseConfig(yaml, 'edge.yaml', 'edge');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

class LogLines {
  readonly lines: string[] = [];
  error(_obj: object, msg: string): void {
    this.lines.push(msg);
  }
  warn(_obj: object, msg: string): void {
    this.lines.push(msg);
  }
}

describe.skipIf(!m.ok)('CameraPipeline on a real video', () => {
  let frames: RawFrame[];
  let prefilter: Detector;
  let face: Detector;
  const start = Date.UTC(2026, 10, 27, 9);

  beforeAll(async () => {
    frames = [];
    for await (const f of openFrameSource({ input: m.paths[0] as string, fps: 2, live: false }))
      frames.push(f);
    prefilter = await openPrefilterDetector(config().model, process.cwd());
    face = await openFaceDetector(0.5);
  });
  afterAll(async () => {
    await prefilter.close();
    await face.close();
  });

  async function run(p: CameraPipeline, input: RawFrame[]): Promise<FrameRecord[]> {
    const out: FrameRecord[] = [];
    for (const f of input) {
      const r = await p.process(f, f.ptsSeconds, new Date(start + f.ptsSeconds * 1000));
      if (r) out.push(r);
    }
    return out;
  }

  it('hands the sink valid frame payloads whose sha256 and size match the JPEG', async () => {
    const sent: { payload: FramePayload; jpeg: Buffer }[] = [];
    const p = new CameraPipeline({
      camera: 'zone',
      config,
      sourceFps: 2,
      detector: prefilter,
      faceDetector: face,
      sink: (payload, jpeg) => {
        sent.push({ payload, jpeg });
        return Promise.resolve();
      },
      seed: 1,
    });
    const records = await run(p, frames);
    expect(records).toHaveLength(frames.length);
    const uploads = records.filter((r) => r.decision === 'upload');
    expect(uploads.length).toBeGreaterThan(0);
    expect(sent).toHaveLength(uploads.length);
    for (const { payload, jpeg } of sent) {
      expect(framePayloadSchema.safeParse(payload).success).toBe(true);
      expect(payload.sha256).toBe(createHash('sha256').update(jpeg).digest('hex'));
      expect(payload.bytes).toBe(jpeg.length);
      expect(payload.blobKey).toBe(`frames/plant-1/zone/2026/11/27/${payload.frameId}.jpg`);
      expect([payload.width, payload.height]).toEqual([480, 270]);
    }
    expect(new Set(sent.map((s) => s.payload.frameId)).size).toBe(sent.length);
  });

  it('drops (never sends unredacted) a frame whose redaction fails, counts it, logs once', async () => {
    const broken = await openFaceDetector(0.5);
    await broken.close(); // a released session: every detect() fails
    const log = new LogLines();
    let sinkCalls = 0;
    const p = new CameraPipeline({
      camera: 'zone',
      config,
      sourceFps: 2,
      detector: prefilter,
      faceDetector: broken,
      sink: () => {
        sinkCalls++;
        return Promise.resolve();
      },
      logger: log,
      seed: 1,
    });
    const records = await run(p, frames);
    const dropped = records.filter((r) => r.decision === 'dropped');
    expect(dropped.length).toBeGreaterThan(1);
    expect(sinkCalls).toBe(0);
    expect(p.counts.redactionDropped).toBe(dropped.length);
    expect(log.lines.filter((l) => l.includes('redact-faces'))).toHaveLength(1);
  });

  it('sends weak detections (presence_score up to min_score) with a motion upload', async () => {
    // A min_score no detection reaches: every person the model sees is only "present".
    const weakYaml = YAML.replace(
      'novelty: { min_gap_s: 0, presence_s: 0.1 }',
      'novelty: { min_gap_s: 0, presence_s: 0.1, presence_score: 0.05 }\n  prefilter: { min_score: 0.99 }',
    );
    const sent: FramePayload[] = [];
    const p = new CameraPipeline({
      camera: 'zone',
      config: () => config(weakYaml),
      sourceFps: 2,
      detector: prefilter,
      redact: false,
      sink: (payload) => {
        sent.push(payload);
        return Promise.resolve();
      },
      seed: 1,
    });
    const records = await run(p, frames);
    const withWeak = sent.filter((x) => x.detections.length > 0);
    expect(withWeak.length).toBeGreaterThan(0);
    for (const payload of withWeak) {
      expect(payload.reason).toBe('motion');
      expect(payload.thresholds.minScore).toBe(0.99);
      for (const d of payload.detections) {
        expect(d.score).toBeGreaterThanOrEqual(0.05);
        expect(d.score).toBeLessThan(0.99);
        expect(['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck']).toContain(d.label);
      }
      // decisions.jsonl shows the same boxes as `weak`, none as accepted.
      const rec = records.find((r) => r.frameId === payload.frameId);
      expect(rec?.detections).toEqual([]);
      expect(rec?.weak?.map((d) => d.label)).toEqual(payload.detections.map((d) => d.label));
    }
  });

  it('loads the face model only when a frame needs redacting', async () => {
    const lazy = (opens: { n: number }) =>
      new LazyDetector(() => {
        opens.n++;
        return openFaceDetector(0.5);
      });
    const runWith = async (redact: boolean) => {
      const opens = { n: 0 };
      const face = lazy(opens);
      const sent: FramePayload[] = [];
      const p = new CameraPipeline({
        camera: 'zone',
        config,
        sourceFps: 2,
        detector: prefilter,
        faceDetector: face,
        redact,
        sink: (payload) => {
          sent.push(payload);
          return Promise.resolve();
        },
        seed: 1,
      });
      await run(p, frames);
      await face.close();
      return { opens: opens.n, uploads: sent.length };
    };
    const off = await runWith(false);
    expect(off.uploads).toBeGreaterThan(0);
    expect(off.opens).toBe(0);
    const on = await runWith(true);
    expect(on.uploads).toBe(off.uploads);
    expect(on.opens).toBe(1);
  });

  it('survives a broken frame: counted as an error, the next frames go on', async () => {
    const log = new LogLines();
    const p = new CameraPipeline({
      camera: 'zone',
      config,
      sourceFps: 2,
      detector: prefilter,
      redact: false,
      sink: async () => {},
      logger: log,
      seed: 1,
    });
    const [first, ...rest] = frames;
    if (!first) throw new Error('no frames');
    const truncated: RawFrame = { ...first, data: first.data.subarray(0, 100) };
    const records = await run(p, [truncated, ...rest]);
    expect(records[0]?.decision).toBe('error');
    expect(records[0]?.error).toMatch(/^gate: /);
    expect(p.errors.counts.gate).toBe(1);
    expect(records.slice(1).every((r) => r.decision !== 'error')).toBe(true);
    expect(records.slice(1).some((r) => r.inferred)).toBe(true);
  });
});
