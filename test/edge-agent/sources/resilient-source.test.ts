// A real camera on loopback (GStreamer's RTSP server) that dies, hangs and comes back, decoded by
// real ffmpeg. The RTSP server restarts on the same port; the source must find it again alone.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { cameraSourceOptions } from '../../../edge-agent/src/sources/camera-input.ts';
import { openFrameSource } from '../../../edge-agent/src/sources/index.ts';
import { ResilientSource } from '../../../edge-agent/src/sources/resilient-source.ts';
import type { LiveFrame, StateChange } from '../../../edge-agent/src/sources/resilient-source.ts';
import { SourceError } from '../../../edge-agent/src/sources/source-error.ts';
import { needMedia } from '../../helpers/media.ts';
import { RtspServer, rtspServerAvailable } from '../../helpers/rtsp-server.ts';
import { ManualClock, decoderProcesses, waitFor } from './live-helpers.ts';

const m = needMedia('video/indoor-one-by-one-person.mp4');
const rtsp = m.ok ? rtspServerAvailable() : { ok: false, reason: m.reason };
const [video = ''] = m.paths;

// Fixed output size and rate, so no probe: each attempt is one ffmpeg process.
const OUTPUT = { fps: 5, width: 192, height: 108, format: 'gray' } as const;

function openCamera(url: string) {
  return () => openFrameSource(cameraSourceOptions({ url, ioTimeoutS: 5 }, OUTPUT));
}

/** Runs the source in the background, keeping every frame and state change. */
function drive(source: ResilientSource, states: StateChange[]) {
  const frames: LiveFrame[] = [];
  const done = (async () => {
    for await (const frame of source) frames.push({ ...frame, data: Buffer.alloc(0) });
  })();
  return { frames, done, states };
}

describe.skipIf(!rtsp.ok)('ResilientSource on a real RTSP camera', () => {
  let server: RtspServer;
  beforeAll(async () => {
    server = await RtspServer.start(video);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('camera killed mid-stream → backing-off; restarted on the same port → frames again, indices continuing', async () => {
    const states: StateChange[] = [];
    const source = new ResilientSource({
      input: server.url,
      open: openCamera(server.url),
      // Small steps keep the test short; ffmpeg needs ~3 s from connect to first frame here.
      policy: { baseMs: 200, capMs: 1_000, stallMs: 8_000 },
      onState: (c) => states.push(c),
    });
    const run = drive(source, states);
    onTestFinished(() => source.stop());
    await waitFor('first frames', () => run.frames.length >= 5);
    expect(source.status.state).toBe('streaming');

    await server.kill();
    await waitFor('a refused reconnect while the camera is down', () =>
      states.some((s) => s.state === 'backing-off' && s.kind === 'unreachable'),
    );
    // Frames still in the pipe when the camera died have arrived by now (the stream ended).
    const beforeRestart = run.frames.length;
    const failure = states.find((s) => s.state === 'backing-off');
    expect(['stream-ended', 'stalled', 'unreachable']).toContain(failure?.kind);

    const port = server.port;
    await server.restart();
    expect(server.port).toBe(port);
    await waitFor('frames after the restart', () => run.frames.length >= beforeRestart + 5);
    expect(source.status.state).toBe('streaming');

    await source.stop();
    await run.done;
    expect(source.status.state).toBe('stopped');
    expect(decoderProcesses(`127.0.0.1:${port}/`)).toEqual([]);

    // One unbroken sequence across both connections, in wall-clock order.
    expect(run.frames.map((f) => f.index)).toEqual(run.frames.map((_, i) => i));
    for (let i = 1; i < run.frames.length; i++) {
      const [a, b] = [run.frames[i - 1], run.frames[i]];
      expect(b?.capturedAtMs).toBeGreaterThanOrEqual(a?.capturedAtMs ?? Infinity);
      expect(b?.ptsSeconds).toBeGreaterThanOrEqual(a?.ptsSeconds ?? Infinity);
    }
    const counters = source.counters;
    expect(counters.frames).toBe(run.frames.length);
    expect(counters.reconnects).toBeGreaterThanOrEqual(2); // at least one refused, one that worked
    // Attempt counts rise while failing.
    const attempts = states.filter((s) => s.state === 'backing-off').map((s) => s.attempt);
    expect(attempts).toEqual(attempts.map((_, i) => (attempts[0] ?? 0) + i));
  });

  it('a hung camera is declared stalled after stall_s on the injected clock, then reconnects', async () => {
    const clock = new ManualClock();
    const states: StateChange[] = [];
    const source = new ResilientSource({
      input: server.url,
      open: openCamera(server.url),
      clock,
      random: () => 0.5, // backoff after the first failure: 0.5 × 1 s
      onState: (c) => states.push(c),
    });
    const run = drive(source, states);
    onTestFinished(() => source.stop());
    await waitFor('first frames', () => run.frames.length >= 3);

    server.pause(); // the TCP connection stays open; nothing more is sent
    // Let frames already in flight arrive, so the last-progress time is settled.
    let seen = -1;
    await waitFor('frames to stop arriving', () => {
      const still = run.frames.length === seen;
      seen = run.frames.length;
      return still;
    });
    await new Promise((r) => setTimeout(r, 500));

    clock.advance(9_999);
    expect(source.status.state).toBe('streaming');
    clock.advance(1);
    expect(source.status.state).toBe('stalled');
    expect(source.counters.stalls).toBe(1);
    await waitFor('backing-off after the stall', () => source.status.state === 'backing-off');
    expect(source.status).toMatchObject({ kind: 'stalled', attempt: 1, delayMs: 500 });

    server.resume();
    const before = run.frames.length;
    clock.advance(500);
    await waitFor('frames after the stall', () => run.frames.length >= before + 3);
    expect(source.status.state).toBe('streaming');
    expect(run.frames.map((f) => f.index)).toEqual(run.frames.map((_, i) => i));

    await source.stop();
    await run.done;
    expect(decoderProcesses(`127.0.0.1:${server.port}/`)).toEqual([]);
  });

  it('a consumer holding a frame longer than stall_s is not a stall', async () => {
    const clock = new ManualClock();
    const source = new ResilientSource({ input: server.url, open: openCamera(server.url), clock });
    onTestFinished(() => source.stop());
    const frames = source[Symbol.asyncIterator]();
    const first = await frames.next();
    expect(first.done).toBe(false);
    clock.advance(60_000); // the consumer is busy for a minute of the source's clock
    expect(source.status.state).toBe('streaming');
    expect(source.counters.stalls).toBe(0);
    const second = await frames.next();
    expect(second.value).toMatchObject({ index: 1 });
    await source.stop();
    await frames.return?.(undefined);
  });
});

describe('ResilientSource: failures that cannot heal', () => {
  it('bad options stop it at once with a clear error, no retry', async () => {
    const states: StateChange[] = [];
    const source = new ResilientSource({
      input: 'rtsp://127.0.0.1:9/cam',
      open: () => openFrameSource({ input: 'rtsp://127.0.0.1:9/cam', fps: -1 }),
      onState: (c) => states.push(c),
    });
    const error = await (async () => {
      for await (const _ of source) {
        // no frames expected
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).kind).toBe('bad-options');
    expect((error as SourceError).message).toMatch(/fps/);
    expect(states.map((s) => s.state)).toEqual(['connecting', 'stopped']);
    expect(source.status).toMatchObject({ state: 'stopped', kind: 'bad-options' });
    expect(source.counters.reconnects).toBe(0);
  });
});
