import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  buildInputArgs,
  buildOutputArgs,
  buildVideoFilters,
  inputKind,
  isLiveInput,
  needsProbe,
  parseFfmpegMajor,
  parseSourceOptions,
  resolveGeometry,
  rtspTimeoutArgs,
} from '../../../edge-agent/src/sources/ffmpeg-args.ts';
import { SourceError } from '../../../edge-agent/src/sources/source-error.ts';

const probed = { width: 768, height: 432, fps: 10 };

describe('resolveGeometry', () => {
  it('keeps the native size and rate when nothing is asked for', () => {
    const o = parseSourceOptions({ input: 'a.mp4' });
    expect(resolveGeometry(o, probed)).toEqual({
      width: 768,
      height: 432,
      format: 'rgb24',
      fps: 10,
    });
  });

  it('derives the missing side from the aspect ratio (768×432 → 320×180, 768×576 → 320×240)', () => {
    const o = parseSourceOptions({ input: 'a.mp4', width: 320, format: 'gray', fps: 2 });
    expect(resolveGeometry(o, probed)).toEqual({ width: 320, height: 180, format: 'gray', fps: 2 });
    expect(resolveGeometry(o, { width: 768, height: 576, fps: 10 })).toMatchObject({ height: 240 });
    const byHeight = parseSourceOptions({ input: 'a.mp4', height: 90 });
    expect(resolveGeometry(byHeight, probed)).toMatchObject({ width: 160, height: 90 });
  });

  it('needs no probe when size and rate are all given', () => {
    const o = parseSourceOptions({ input: 'rtsp://cam/1', width: 640, height: 360, fps: 1 });
    expect(needsProbe(o)).toBe(false);
    expect(resolveGeometry(o)).toEqual({ width: 640, height: 360, format: 'rgb24', fps: 1 });
    expect(needsProbe(parseSourceOptions({ input: 'x', width: 640, height: 360 }))).toBe(true);
  });

  it('says so when the stream has no frame rate and none was asked for', () => {
    const o = parseSourceOptions({ input: 'rtsp://cam/1' });
    expect(() => resolveGeometry(o, { width: 640, height: 360, fps: 0 })).toThrow(
      /no frame rate; set fps/,
    );
  });
});

describe('ffmpeg arguments', () => {
  it('samples before scaling, and scales only when a size was asked for', () => {
    expect(buildVideoFilters({ fps: 2, width: 320 }, { width: 320, height: 180 })).toEqual([
      'fps=2',
      'scale=320:180',
    ]);
    expect(buildVideoFilters({}, { width: 768, height: 432 })).toEqual([]);
  });

  it('passes caller input args (transport, hardware decoder) before the input', () => {
    const args = buildInputArgs({ inputFormat: 'v4l2', inputArgs: ['-c:v', 'h264_nvv4l2dec'] });
    expect(args.slice(-4)).toEqual(['-f', 'v4l2', '-c:v', 'h264_nvv4l2dec']);
    expect(args).toContain('-nostdin');
  });

  it('puts protocol options (the RTSP timeout) after the format and before the caller args', () => {
    const args = buildInputArgs({ inputArgs: ['-rtsp_transport', 'tcp', '-c:v', 'h264_nvmpi'] }, [
      '-timeout',
      '10000000',
    ]);
    expect(args.slice(-6)).toEqual([
      '-timeout',
      '10000000',
      '-rtsp_transport',
      'tcp',
      '-c:v',
      'h264_nvmpi',
    ]);
  });

  it('asks for packed raw frames of the first video stream only', () => {
    expect(buildOutputArgs('gray')).toEqual([
      '-map',
      '0:v:0',
      '-an',
      '-sn',
      '-dn',
      '-pix_fmt',
      'gray',
      '-f',
      'rawvideo',
    ]);
  });
});

describe('inputs', () => {
  it('tells files, URLs and devices apart; URLs and devices are live by default', () => {
    expect(inputKind('/data/cam.mp4')).toBe('file');
    expect(inputKind('rtsp://10.0.0.13/stream1')).toBe('url');
    expect(inputKind('/dev/video0')).toBe('device');
    expect(isLiveInput({ input: 'rtsp://10.0.0.13/stream1' })).toBe(true);
    expect(isLiveInput({ input: 'clip.avi' })).toBe(false);
    expect(isLiveInput({ input: 'clip.avi', live: true })).toBe(true);
  });

  it('rejects bad options with a SourceError that names the field', () => {
    const bad = (raw: unknown): SourceError => {
      try {
        parseSourceOptions(raw);
      } catch (err) {
        return err as SourceError;
      }
      throw new Error('expected a failure');
    };
    for (const [raw, field] of [
      [{ input: 'a.mp4', fps: 0 }, 'fps'],
      [{ input: 'a.mp4', width: 320.5 }, 'width'],
      [{ input: 'a.mp4', format: 'yuv420p' }, 'format'],
      [{ input: 'a.mp4', sampleFps: 2 }, 'sampleFps'],
      [{ input: '' }, 'input'],
    ] as const) {
      const err = bad(raw);
      expect(err).toBeInstanceOf(SourceError);
      expect(err.kind).toBe('bad-options');
      expect(err.message).toContain(field);
    }
  });
});

describe('RTSP I/O timeout per ffmpeg version', () => {
  it.each([
    ['ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2025 the FFmpeg developers', 5],
    ['ffmpeg version 4.2.7-0ubuntu0.1 Copyright (c) 2000-2022 the FFmpeg developers', 4], // JetPack 5
    ['ffmpeg version n4.4.2 Copyright (c) 2000-2021', 4],
    ['ffprobe version 6.1.1-3ubuntu5 Copyright (c) 2007-2023', 6],
    ['ffmpeg version N-112233-gabcdef0123 Copyright (c) 2000-2024', undefined], // git build
    ['not ffmpeg at all', undefined],
  ])('%s → major %s', (text, major) => {
    expect(parseFfmpegMajor(text)).toBe(major);
  });

  it('reads the installed ffmpeg: 5 or later, whose rtsp demuxer documents -timeout', () => {
    const version = execFileSync('ffmpeg', ['-hide_banner', '-version'], { encoding: 'utf8' });
    expect(parseFfmpegMajor(version)).toBeGreaterThanOrEqual(5);
    const help = execFileSync('ffmpeg', ['-hide_banner', '-h', 'demuxer=rtsp'], {
      encoding: 'utf8',
    });
    expect(help).toMatch(/^\s*-timeout\s.*microseconds/m);
    expect(help).not.toMatch(/^\s*-stimeout\s/m);
  });

  it('-timeout from ffmpeg 5, -stimeout before (where -timeout would mean listen), in µs', () => {
    expect(rtspTimeoutArgs('rtsp://cam/1', 10, 5)).toEqual(['-timeout', '10000000']);
    expect(rtspTimeoutArgs('rtsps://cam/1', 2.5, 7)).toEqual(['-timeout', '2500000']);
    expect(rtspTimeoutArgs('rtsp://cam/1', 10, 4)).toEqual(['-stimeout', '10000000']);
    // An unknown version is a modern build (git); never risk turning the client into a server.
    expect(rtspTimeoutArgs('rtsp://cam/1', 10, undefined)).toEqual(['-timeout', '10000000']);
  });

  it('adds nothing for files and devices, or without a timeout', () => {
    expect(rtspTimeoutArgs('/data/a.mp4', 10, 5)).toEqual([]);
    expect(rtspTimeoutArgs('/dev/video0', 10, 4)).toEqual([]);
    expect(rtspTimeoutArgs('rtsp://cam/1', undefined, 5)).toEqual([]);
  });

  it('refuses a timeout that is not a positive number of seconds', () => {
    expect(() => parseSourceOptions({ input: 'rtsp://cam/1', ioTimeoutS: 0 })).toThrow(SourceError);
    expect(() => parseSourceOptions({ input: 'rtsp://cam/1', ioTimeoutS: -1 })).toThrow(
      /ioTimeoutS/,
    );
  });
});
