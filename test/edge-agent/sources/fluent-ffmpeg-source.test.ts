// Real ffmpeg on the shared test videos. Expected figures come from ffprobe/ffmpeg run directly.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FluentFfmpegSource,
  probeVideo,
} from '../../../edge-agent/src/sources/fluent-ffmpeg-source.ts';
import type { RawFrame } from '../../../edge-agent/src/sources/frame-source.ts';
import { openFrameSource } from '../../../edge-agent/src/sources/index.ts';
import { SourceError } from '../../../edge-agent/src/sources/source-error.ts';
import { needMedia } from '../../helpers/media.ts';

const VIDEOS = [
  'video/campus-pedestrians-vtest.avi',
  'video/indoor-one-by-one-person.mp4',
  'video/warehouse-worker-zone.mp4',
];
const m = needMedia(...VIDEOS);
const [campus = '', indoor = '', warehouse = ''] = m.paths;

interface Reference {
  width: number;
  height: number;
  frames: number;
  fps: number;
  duration: number;
}

const counted = new Map<string, Reference>();

/** ffprobe itself, decoding every frame to count it (once per file: it is slow). */
function ffprobeCounted(file: string): Reference {
  const known = counted.get(file);
  if (known) return known;
  const out = execFileSync(
    'ffprobe',
    [
      ...['-v', 'error', '-select_streams', 'v:0', '-count_frames'],
      ...[
        '-show_entries',
        'stream=width,height,nb_read_frames,r_frame_rate,duration',
        '-of',
        'json',
      ],
      file,
    ],
    { encoding: 'utf8' },
  );
  const s = (JSON.parse(out) as { streams: Record<string, string | number>[] }).streams[0] ?? {};
  const [num, den] = String(s.r_frame_rate).split('/').map(Number);
  const ref = {
    width: Number(s.width),
    height: Number(s.height),
    frames: Number(s.nb_read_frames),
    fps: (num ?? NaN) / (den ?? NaN),
    duration: Number(s.duration),
  };
  counted.set(file, ref);
  return ref;
}

/** ffmpeg's own raw output for the same request, written to a file. */
function ffmpegRaw(file: string, outFile: string, args: string[]): Buffer {
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-nostdin',
    '-i',
    file,
    ...args,
    '-f',
    'rawvideo',
    '-y',
    outFile,
  ]);
  return readFileSync(outFile);
}

async function drain(
  source: AsyncIterable<RawFrame>,
  keep = Infinity,
): Promise<{ frames: RawFrame[]; count: number; error?: unknown }> {
  const frames: RawFrame[] = [];
  let count = 0;
  try {
    for await (const f of source) {
      if (count < keep) frames.push(f);
      count++;
    }
    return { frames, count };
  } catch (error) {
    return { frames, count, error };
  }
}

/** ffmpeg processes that are children of this test process. */
function ffmpegChildren(): string[] {
  const r = spawnSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], {
    encoding: 'utf8',
  });
  return r.stdout
    .split('\n')
    .filter((l) => /\bffmpeg\b/.test(l))
    .map((l) => l.trim());
}

/** The first n frames; leaving the loop stops the source. */
async function take(source: AsyncIterable<RawFrame>, n: number): Promise<RawFrame[]> {
  const frames: RawFrame[] = [];
  for await (const f of source) {
    frames.push(f);
    if (frames.length === n) break;
  }
  return frames;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pretag-source-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe.skipIf(!m.ok)('FluentFfmpegSource on real videos', () => {
  it.each(VIDEOS.map((v, i) => [v, i] as const))(
    'decodes %s with the frame count and size ffprobe reports',
    async (_name, i) => {
      const file = m.paths[i] ?? '';
      const ref = ffprobeCounted(file);
      // gray keeps the native size while moving a third of the bytes.
      const { frames, count, error } = await drain(
        new FluentFfmpegSource({ input: file, format: 'gray' }),
        1,
      );
      expect(error).toBeUndefined();
      expect(count).toBe(ref.frames);
      expect(frames[0]).toMatchObject({
        index: 0,
        width: ref.width,
        height: ref.height,
        format: 'gray',
      });
      expect(frames[0]?.data.length).toBe(ref.width * ref.height);
    },
  );

  it.each(VIDEOS.map((v, i) => [v, i] as const))(
    'probeVideo agrees with ffprobe -count_frames on %s',
    async (_name, i) => {
      const file = m.paths[i] ?? '';
      const ref = ffprobeCounted(file);
      const info = await probeVideo(file);
      expect(info).toMatchObject({ width: ref.width, height: ref.height, frameCount: ref.frames });
      expect(info.fps).toBeCloseTo(ref.fps, 6);
      expect(info.durationSeconds).toBeCloseTo(ref.duration, 3);
    },
  );

  it.each(VIDEOS.map((v, i) => [v, i] as const))(
    'sampling %s at 2 fps gives duration × 2 frames (±1), stamped k/2 s',
    async (_name, i) => {
      const file = m.paths[i] ?? '';
      const ref = ffprobeCounted(file);
      const { frames, count, error } = await drain(
        new FluentFfmpegSource({ input: file, fps: 2, width: 64, format: 'gray' }),
      );
      expect(error).toBeUndefined();
      expect(Math.abs(count - ref.duration * 2)).toBeLessThanOrEqual(1);
      expect(frames.slice(0, 4).map((f) => f.ptsSeconds)).toEqual([0, 0.5, 1, 1.5]);
    },
  );

  it('gives the same bytes as ffmpeg -f rawvideo: rgb24 at native size', async () => {
    const want = ffmpegRaw(campus, path.join(tmp, 'rgb.raw'), [
      '-frames:v',
      '5',
      '-pix_fmt',
      'rgb24',
    ]);
    const frameBytes = 768 * 576 * 3;
    expect(want.length).toBe(5 * frameBytes);
    const frames = await take(new FluentFfmpegSource({ input: campus }), 5);
    for (let k = 0; k < 5; k++) {
      expect(frames[k]?.data.equals(want.subarray(k * frameBytes, (k + 1) * frameBytes))).toBe(
        true,
      );
    }
  });

  it('gives the same bytes as ffmpeg -f rawvideo: gray, 2 fps, scaled to 320 wide', async () => {
    // 768×432 at width 320 keeps the aspect ratio: 320 × 432 / 768 = 180.
    const want = ffmpegRaw(indoor, path.join(tmp, 'gray.raw'), [
      ...['-vf', 'fps=2,scale=320:180', '-frames:v', '4', '-pix_fmt', 'gray'],
    ]);
    const frameBytes = 320 * 180;
    expect(want.length).toBe(4 * frameBytes);
    const source = new FluentFfmpegSource({ input: indoor, fps: 2, width: 320, format: 'gray' });
    const frames = await take(source, 4);
    for (let k = 0; k < 4; k++) {
      expect(frames[k]?.data.equals(want.subarray(k * frameBytes, (k + 1) * frameBytes))).toBe(
        true,
      );
    }
  });

  it('gives the same bytes when each frame is released for reuse before the next is read', async () => {
    // The whole warehouse clip at 4 fps: 4.73 s → 19 frames (ffmpeg's own output decides).
    const want = ffmpegRaw(warehouse, path.join(tmp, 'released.raw'), [
      ...['-vf', 'fps=4', '-pix_fmt', 'rgb24'],
    ]);
    const frameBytes = 480 * 270 * 3;
    const source = new FluentFfmpegSource({ input: warehouse, fps: 4 });
    const buffers = new Set<Buffer>();
    let k = 0;
    for await (const f of source) {
      expect(f.data.equals(want.subarray(k * frameBytes, (k + 1) * frameBytes))).toBe(true);
      buffers.add(f.data);
      source.release(f);
      k++;
    }
    expect(k * frameBytes).toBe(want.length);
    // Released memory came back: far fewer buffers than frames.
    expect(buffers.size).toBeLessThanOrEqual(3);
  });

  it('holds ffmpeg back while the consumer is slow, then delivers every frame', async () => {
    const source = new FluentFfmpegSource({ input: warehouse });
    const it = source[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    const pid = source.pid ?? 0;
    // Wait until ffmpeg has stopped writing: without backpressure it would write all 71 frames.
    const written = (): number =>
      Number(/wchar:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? NaN);
    let before = -1;
    let now = written();
    while (now !== before) {
      await sleep(300);
      [before, now] = [now, written()];
    }
    const frameBytes = 480 * 270 * 3;
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    expect(now).toBeLessThan(10 * frameBytes);
    let rest = 0;
    for (let r = await it.next(); !r.done; r = await it.next()) rest++;
    expect(1 + rest).toBe(71);
  });

  it('stop() mid-stream ends iteration and leaves no ffmpeg process behind', async () => {
    const source = new FluentFfmpegSource({ input: indoor });
    const it = source[Symbol.asyncIterator]();
    for (let k = 0; k < 3; k++) expect((await it.next()).done).toBe(false);
    expect(ffmpegChildren()).toHaveLength(1);
    await source.stop();
    expect(ffmpegChildren()).toEqual([]);
    expect((await it.next()).done).toBe(true);
    await source.stop(); // again: harmless
  });

  it('breaking out of the loop stops ffmpeg too', async () => {
    let seen = 0;
    for await (const _ of new FluentFfmpegSource({ input: campus, format: 'gray' })) {
      if (++seen === 2) break;
    }
    expect(seen).toBe(2);
    expect(ffmpegChildren()).toEqual([]);
  });

  it('reports a live input that ends as stream-ended, after its frames', async () => {
    const source = openFrameSource({
      input: warehouse,
      live: true,
      width: 32,
      format: 'gray',
    });
    const { count, error } = await drain(source);
    expect(count).toBe(71);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).kind).toBe('stream-ended');
    expect((error as SourceError).message).toMatch(/^stream ended/);
  });
});

describe('FluentFfmpegSource on bad input', () => {
  it('a missing file: no-such-input, with the path in the message', async () => {
    const missing = path.join(os.tmpdir(), 'pretag-no-such-video.mp4');
    const { count, error } = await drain(new FluentFfmpegSource({ input: missing }));
    expect(count).toBe(0);
    expect(error).toMatchObject({ kind: 'no-such-input' });
    expect((error as Error).message).toBe(`no such file or device (${missing})`);
    await expect(probeVideo(missing)).rejects.toMatchObject({ kind: 'no-such-input' });
  });

  it('a file that is not a video: not-video, from both the source and the probe', async () => {
    // A .txt would not do: ffmpeg's tty demuxer renders text files as video.
    const text = path.join(tmp, 'not-really.mp4');
    await writeFile(text, 'no frames in here\n'.repeat(100));
    const { count, error } = await drain(
      new FluentFfmpegSource({ input: text, width: 8, height: 8, fps: 1 }),
    );
    expect(count).toBe(0);
    expect(error).toMatchObject({ kind: 'not-video' });
    expect((error as Error).message).toMatch(/^not a video/);
    await expect(probeVideo(text)).rejects.toMatchObject({ kind: 'not-video' });
  });

  it('an audio-only file: not-video', async () => {
    const wav = path.join(tmp, 'tone.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=duration=0.3', '-y', wav]);
    expect((await readFile(wav)).length).toBeGreaterThan(0);
    const { error } = await drain(
      new FluentFfmpegSource({ input: wav, width: 8, height: 8, fps: 1 }),
    );
    expect(error).toMatchObject({ kind: 'not-video' });
    await expect(probeVideo(wav)).rejects.toMatchObject({ kind: 'not-video' });
  });

  it('bad options fail at construction with the field named', () => {
    expect(() => new FluentFfmpegSource({ input: 'x.mp4', fps: -2 })).toThrow(
      /bad source options.*fps/,
    );
  });
});
