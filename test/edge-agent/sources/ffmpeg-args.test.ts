import { describe, expect, it } from 'vitest';
import {
  buildInputArgs,
  buildOutputArgs,
  buildVideoFilters,
  inputKind,
  isLiveInput,
  needsProbe,
  parseSourceOptions,
  resolveGeometry,
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
