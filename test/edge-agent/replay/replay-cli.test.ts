// `pretag edge replay` through the real CLI on a real video: real ffmpeg, real ONNX Runtime.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needMedia, repoRoot } from '../../helpers/media.ts';

const m = needMedia('video/warehouse-worker-zone.mp4');
const bin = path.join(repoRoot, 'node_modules/.bin/pretag');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function pretag(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: repoRoot }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const CONFIG = (minScore: string) => `site: test-site
device: dev-1
hub:
  mqtt: mqtt://127.0.0.1:1883
  blob: { hub: { url: http://127.0.0.1:8080 } }
defaults:
  sample_fps: 2
  max_fps: 2
  prefilter:
    min_score: ${minScore}
cameras:
  zone:
    url: rtsp://10.0.0.13/stream1
`;

interface Line {
  t: number;
  index: number;
  motionScore: number;
  gate: 'open' | 'closed';
  inferred: boolean;
  detections: unknown[];
  decision: 'upload' | 'skip' | 'dropped' | 'error';
  reason?: string;
  skipReason?: string;
  frameId?: string;
}

describe.skipIf(!m.ok)('pretag edge replay', () => {
  const video = m.paths[0] as string;
  let dir: string;
  let run: Run;
  let lines: Line[];
  let summary: {
    counts: {
      sampled: number;
      gated: number;
      inferred: number;
      uploaded: number;
      uploadedByReason: Record<string, number>;
      skipped: Record<string, number>;
      redactionDropped: number;
      errors: number;
    };
    uploadedBytes: number;
    uploadRatio: number;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'replay-'));
    writeFileSync(path.join(dir, 'edge.yaml'), CONFIG('0.35'));
    run = await pretag([
      'edge',
      'replay',
      '--config',
      path.join(dir, 'edge.yaml'),
      '--camera',
      'zone',
      '--video',
      video,
      '--out',
      path.join(dir, 'out'),
      '--start',
      '2026-11-27T10:00:00Z',
    ]);
    lines = readFileSync(path.join(dir, 'out/decisions.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    summary = JSON.parse(
      readFileSync(path.join(dir, 'out/summary.json'), 'utf8'),
    ) as typeof summary;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and prints a table with the upload ratio', () => {
    expect(run.stderr).not.toMatch(/pretag:/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/sampled\s+\d+/);
    expect(run.stdout).toMatch(/upload ratio [\d.]+ %/);
  });

  it('writes one decision per sampled frame: ffprobe duration × sample_fps (±1)', () => {
    const probe = spawnSync('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'format=duration',
      '-of',
      'csv=p=0',
      video,
    ]);
    const duration = Number(probe.stdout.toString().trim());
    expect(duration).toBeGreaterThan(1);
    expect(Math.abs(lines.length - duration * 2)).toBeLessThanOrEqual(1);
    // Frame times follow the 2 fps grid.
    lines.forEach((l, i) => expect(l.t).toBeCloseTo(i * 0.5, 6));
    for (const l of lines) {
      expect(['open', 'closed']).toContain(l.gate);
      expect(l.motionScore).toBeGreaterThanOrEqual(0);
      expect(l.motionScore).toBeLessThanOrEqual(1);
      expect(['upload', 'skip']).toContain(l.decision);
      if (l.decision === 'upload') expect(['prefilter', 'motion', 'audit']).toContain(l.reason);
      else expect(l.skipReason).toBeTruthy();
    }
  });

  it('summary counts agree with the lines', () => {
    const uploads = lines.filter((l) => l.decision === 'upload');
    expect(summary.counts.sampled).toBe(lines.length);
    expect(summary.counts.gated).toBe(lines.filter((l) => l.gate === 'open').length);
    expect(summary.counts.inferred).toBe(lines.filter((l) => l.inferred).length);
    expect(summary.counts.uploaded).toBe(uploads.length);
    const byReason = Object.values(summary.counts.uploadedByReason).reduce((a, b) => a + b, 0);
    expect(byReason).toBe(uploads.length);
    const skipped = Object.values(summary.counts.skipped).reduce((a, b) => a + b, 0);
    expect(skipped + uploads.length + summary.counts.redactionDropped + summary.counts.errors).toBe(
      lines.length,
    );
    expect(summary.uploadRatio).toBeCloseTo(uploads.length / lines.length, 9);
    // A worker walks through the whole clip: the replay must send something.
    expect(uploads.length).toBeGreaterThan(0);
  });

  it('writes every uploaded frame as a JPEG that decodes at the video size', async () => {
    const files = readdirSync(path.join(dir, 'out/frames')).sort();
    const ids = lines
      .filter((l) => l.decision === 'upload')
      .map((l) => `${l.frameId}.jpg`)
      .sort();
    expect(files).toEqual(ids);
    let bytes = 0;
    for (const f of files) {
      const buf = readFileSync(path.join(dir, 'out/frames', f));
      bytes += buf.length;
      const meta = await sharp(buf).metadata();
      expect(meta.format).toBe('jpeg');
      expect([meta.width, meta.height]).toEqual([480, 270]);
    }
    expect(summary.uploadedBytes).toBe(bytes);
  });

  it('stops after --max-frames sampled frames', async () => {
    const out = path.join(dir, 'short');
    const r = await pretag([
      'edge',
      'replay',
      '--config',
      path.join(dir, 'edge.yaml'),
      '--camera',
      'zone',
      '--video',
      video,
      '--out',
      out,
      '--max-frames',
      '3',
      '--no-redact',
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(out, 'decisions.jsonl'), 'utf8').trim().split('\n')).toHaveLength(
      3,
    );
  });

  describe('bad inputs exit 1 with a clear message', () => {
    const args = (over: Record<string, string>) => {
      const a = {
        '--config': path.join(dir, 'edge.yaml'),
        '--camera': 'zone',
        '--video': video,
        '--out': path.join(dir, 'bad-out'),
        ...over,
      };
      return ['edge', 'replay', ...Object.entries(a).flat()];
    };

    it('an unknown camera is named, with the known ones', async () => {
      const r = await pretag(args({ '--camera': 'zonee' }));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no camera "zonee"/);
      expect(r.stderr).toMatch(/zone/);
    });

    it('a missing video', async () => {
      const r = await pretag(args({ '--video': path.join(dir, 'nope.mp4') }));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`video not found: ${path.join(dir, 'nope.mp4')}`);
    });

    it('an invalid config names file, line and key', async () => {
      const bad = path.join(dir, 'bad.yaml');
      writeFileSync(bad, CONFIG('7'));
      const r = await pretag(args({ '--config': bad }));
      expect(r.code).toBe(1);
      // min_score is on line 10 of CONFIG.
      expect(r.stderr).toMatch(
        new RegExp(`${bad.replace(/[.]/g, '\\.')}:10:\\d+ defaults\\.prefilter\\.min_score`),
      );
    });

    it('a missing config file', async () => {
      const r = await pretag(args({ '--config': path.join(dir, 'none.yaml') }));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/config file not found/);
    });
  });
});
