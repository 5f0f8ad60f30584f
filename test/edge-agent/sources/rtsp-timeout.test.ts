// The RTSP I/O timeout on its own, with no stall watchdog above it: a real camera (GStreamer's
// RTSP server) that hangs must make one decoding attempt fail, so a reconnect loop can retry,
// instead of leaving ffmpeg or ffprobe waiting forever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFrameSource } from '../../../edge-agent/src/sources/index.ts';
import { liveRetryable } from '../../../edge-agent/src/sources/reconnect-policy.ts';
import { SourceError } from '../../../edge-agent/src/sources/source-error.ts';
import { needMedia } from '../../helpers/media.ts';
import { RtspServer, rtspServerAvailable } from '../../helpers/rtsp-server.ts';
import { decoderProcesses } from './live-helpers.ts';

const m = needMedia('video/indoor-one-by-one-person.mp4');
const rtsp = m.ok ? rtspServerAvailable() : { ok: false, reason: m.reason };
const [video = ''] = m.paths;

describe.skipIf(!rtsp.ok)('RTSP I/O timeout against a real camera that hangs', () => {
  let server: RtspServer;
  beforeAll(async () => {
    server = await RtspServer.start(video);
  });
  afterAll(async () => {
    server?.resume();
    await server?.stop();
  });

  it('mid-stream: the attempt ends with a retryable SourceError and ffmpeg exits', async () => {
    const source = openFrameSource({
      input: server.url,
      inputArgs: ['-rtsp_transport', 'tcp'],
      ioTimeoutS: 2,
      live: true,
      fps: 5,
      width: 192,
      height: 108,
      format: 'gray',
    });
    let frames = 0;
    let error: unknown;
    try {
      for await (const _ of source) {
        frames++;
        // The camera hangs: its TCP connection stays open, nothing more is sent.
        if (frames === 3) server.pause();
      }
    } catch (err) {
      error = err;
    } finally {
      server.resume();
    }
    expect(frames).toBeGreaterThanOrEqual(3);
    expect(error).toBeInstanceOf(SourceError);
    expect(liveRetryable((error as SourceError).kind)).toBe(true);
    expect(decoderProcesses(`127.0.0.1:${server.port}/`)).toEqual([]);
  });

  it('before the first frame: the probe of a camera that never answers fails instead of hanging', async () => {
    server.pause(); // the kernel still accepts the TCP connection; no RTSP reply comes
    try {
      // No size given, so the source probes the stream first (ffprobe).
      const source = openFrameSource({ input: server.url, ioTimeoutS: 2, live: true, fps: 5 });
      await expect(source.start()).rejects.toBeInstanceOf(SourceError);
      await source.stop();
    } finally {
      server.resume();
    }
    expect(decoderProcesses(`127.0.0.1:${server.port}/`)).toEqual([]);
  });
});
