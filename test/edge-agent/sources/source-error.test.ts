// The classifier is fed what the real ffmpeg CLI prints for each failure, produced here directly.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyDecoderFailure,
  decoderFailure,
  isRetryable,
} from '../../../edge-agent/src/sources/source-error.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pretag-srcerr-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function ffmpegStderr(...args: string[]): string {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(r.status).not.toBe(0);
  return r.stderr;
}

describe('classifyDecoderFailure on real ffmpeg output', () => {
  it('a missing file is no-such-input', () => {
    const text = ffmpegStderr('-i', path.join(dir, 'missing.mp4'), '-f', 'null', '-');
    expect(classifyDecoderFailure(text)).toBe('no-such-input');
  });

  it('a text file named like a video is not-video', async () => {
    const file = path.join(dir, 'notes.mp4');
    await writeFile(file, 'these are not frames\n'.repeat(50));
    expect(classifyDecoderFailure(ffmpegStderr('-i', file, '-f', 'null', '-'))).toBe('not-video');
  });

  it('an audio-only file is not-video', () => {
    const wav = path.join(dir, 'tone.wav');
    spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=duration=0.2', '-y', wav]);
    const text = ffmpegStderr('-i', wav, '-map', '0:v:0', '-f', 'null', '-');
    expect(classifyDecoderFailure(text)).toBe('not-video');
  });

  it('a refused RTSP connection is unreachable, and worth retrying', () => {
    const text = ffmpegStderr(
      '-rtsp_transport',
      'tcp',
      '-i',
      'rtsp://127.0.0.1:1/cam',
      '-f',
      'null',
      '-',
    );
    const kind = classifyDecoderFailure(text);
    expect(kind).toBe('unreachable');
    expect(isRetryable(kind)).toBe(true);
  });

  it('keeps the decoder’s own last line in the message', () => {
    const err = decoderFailure(
      'cam.mp4',
      'ffmpeg exited with code 1\ncam.mp4: Invalid data found when processing input\n',
    );
    expect(err.kind).toBe('not-video');
    expect(err.message).toBe(
      'not a video: no decodable video stream (cam.mp4): cam.mp4: Invalid data found when processing input',
    );
    expect(isRetryable(err.kind)).toBe(false);
  });
});
