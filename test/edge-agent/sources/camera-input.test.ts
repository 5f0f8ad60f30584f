// edge.yaml camera → ffmpeg input options. Expected argument lists are ffmpeg's documented
// spellings; the option names are checked against the installed ffmpeg's own help text.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cameraSourceOptions, hwaccelArgs } from '../../../edge-agent/src/sources/camera-input.ts';
import { FfmpegSourceOptionsSchema } from '../../../edge-agent/src/sources/ffmpeg-args.ts';

describe('hwaccel → decoder arguments', () => {
  it.each([
    ['none', []],
    ['auto', ['-hwaccel', 'auto']],
    ['cuda', ['-hwaccel', 'cuda']],
    ['nvdec', ['-hwaccel', 'nvdec']],
    ['nvmpi', ['-c:v', 'h264_nvmpi']],
    ['v4l2m2m', ['-c:v', 'h264_v4l2m2m']],
    ['vaapi', ['-hwaccel', 'vaapi']],
    ['qsv', ['-hwaccel', 'qsv']],
    ['videotoolbox', ['-hwaccel', 'videotoolbox']],
  ] as const)('%s → %j', (hwaccel, args) => {
    expect(hwaccelArgs(hwaccel)).toEqual(args);
  });

  it('per-codec decoders follow the stream codec', () => {
    expect(hwaccelArgs('nvmpi', 'hevc')).toEqual(['-c:v', 'hevc_nvmpi']);
  });
});

describe('camera input options', () => {
  it('RTSP: TCP transport, decoder last, live; the I/O timeout left to the source to spell', () => {
    const o = cameraSourceOptions(
      { url: 'rtsp://10.0.0.13/stream1', hwaccel: 'nvmpi', ioTimeoutS: 10 },
      { fps: 2, width: 640 },
    );
    expect(o).toEqual({
      input: 'rtsp://10.0.0.13/stream1',
      inputArgs: ['-rtsp_transport', 'tcp', '-c:v', 'h264_nvmpi'],
      ioTimeoutS: 10,
      live: true,
      fps: 2,
      width: 640,
    });
    expect(FfmpegSourceOptionsSchema.safeParse(o).success).toBe(true);
  });

  it("JetPack's ffmpeg: explicit nvv4l2 decoder and ffmpeg 4's -stimeout", () => {
    const o = cameraSourceOptions({
      url: 'rtsp://cam/1',
      decoder: 'h264_nvv4l2dec',
      hwaccel: 'cuda',
      ioTimeoutS: 5,
      rtspTimeoutOption: '-stimeout',
    });
    expect(o.inputArgs).toEqual([
      '-rtsp_transport',
      'tcp',
      '-stimeout',
      '5000000',
      '-c:v',
      'h264_nvv4l2dec',
    ]);
  });

  it('V4L2: -f v4l2 -input_format mjpeg -video_size WxH, live', () => {
    const o = cameraSourceOptions({
      url: '/dev/video0',
      v4l2: { inputFormat: 'mjpeg', videoSize: '1280x720', framerate: 30 },
    });
    expect(o).toEqual({
      input: '/dev/video0',
      inputFormat: 'v4l2',
      inputArgs: ['-input_format', 'mjpeg', '-video_size', '1280x720', '-framerate', '30'],
      live: true,
    });
  });

  it('a file (plain path or file:// URL) is not live', () => {
    expect(cameraSourceOptions({ url: '/data/a b.mp4' })).toEqual({
      input: '/data/a b.mp4',
      inputArgs: [],
      live: false,
    });
    expect(cameraSourceOptions({ url: 'file:///data/a%20b.mp4' }).input).toBe('/data/a b.mp4');
    expect(cameraSourceOptions({ url: 'file:///data/100%.mp4' }).input).toBe('/data/100%.mp4');
  });

  it('the installed ffmpeg knows the RTSP and V4L2 options used here', () => {
    const rtsp = execFileSync('ffmpeg', ['-hide_banner', '-h', 'demuxer=rtsp'], {
      encoding: 'utf8',
    });
    expect(rtsp).toMatch(/^\s*-rtsp_transport\s/m);
    expect(rtsp).toMatch(/^\s*-timeout\s.*microseconds/m);
    const v4l2 = execFileSync('ffmpeg', ['-hide_banner', '-h', 'demuxer=v4l2'], {
      encoding: 'utf8',
    });
    expect(v4l2).toMatch(/^\s*-input_format\s/m);
    expect(v4l2).toMatch(/^\s*-video_size\s/m);
  });
});
