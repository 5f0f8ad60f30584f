// Several cameras in one supervisor, with real ffmpeg: a live RTSP camera (GStreamer's server on
// loopback), a dead URL (connection refused), a recording, and a camera with impossible options.
// Each must go its own way without disturbing the others.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { cameraSourceOptions } from '../../../edge-agent/src/sources/camera-input.ts';
import { CameraSupervisor } from '../../../edge-agent/src/sources/supervisor.ts';
import type { CameraStatus } from '../../../edge-agent/src/sources/supervisor.ts';
import type { StateChange } from '../../../edge-agent/src/sources/resilient-source.ts';
import { freePort } from '../../helpers/free-port.ts';
import { needMedia } from '../../helpers/media.ts';
import { RtspServer, rtspServerAvailable } from '../../helpers/rtsp-server.ts';
import { decoderProcesses, waitFor } from './live-helpers.ts';

const m = needMedia('video/indoor-one-by-one-person.mp4', 'video/warehouse-worker-zone.mp4');
const rtsp = m.ok ? rtspServerAvailable() : { ok: false, reason: m.reason };
const [indoor = '', warehouse = ''] = m.paths;
const OUTPUT = { fps: 5, width: 192, height: 108, format: 'gray' } as const;

/** ffprobe decoding every frame: the independent count of the recording's frames. */
function countFrames(file: string): number {
  const out = execFileSync(
    'ffprobe',
    [
      ...['-v', 'error', '-select_streams', 'v:0', '-count_frames'],
      ...['-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file],
    ],
    { encoding: 'utf8' },
  );
  return Number(out.trim());
}

describe.skipIf(!rtsp.ok)('CameraSupervisor with real cameras', () => {
  let server: RtspServer;
  beforeAll(async () => {
    server = await RtspServer.start(indoor);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('isolates cameras: a dead URL, a failing consumer and bad options never stop the good camera', async () => {
    // Nothing listens there, so connecting is refused; freePort keeps it out of the ports the
    // kernel gives to parallel tests' servers while this camera retries it.
    const deadUrl = `rtsp://127.0.0.1:${await freePort()}/cam`;
    const recordingFrames = countFrames(warehouse);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstGood = true;
    let inFlight = 0;
    let maxInFlight = 0;
    const goodIndices: number[] = [];
    const fileIndices: number[] = [];
    const goodStates: string[] = [];

    const supervisor = new CameraSupervisor({
      cameras: [
        { id: 'good', source: cameraSourceOptions({ url: server.url, ioTimeoutS: 5 }, OUTPUT) },
        {
          id: 'dead',
          source: cameraSourceOptions({ url: deadUrl, ioTimeoutS: 5 }, OUTPUT),
          policy: { baseMs: 200, capMs: 1_000 },
        },
        // Native rate, so ffprobe's frame count is the expected figure.
        {
          id: 'recording',
          source: cameraSourceOptions({ url: warehouse }, { width: 192, format: 'gray' }),
        },
        { id: 'broken', source: { input: 'rtsp://127.0.0.1:9/cam', fps: -1 } },
      ],
      consumer: async (id, frame) => {
        if (id === 'recording') {
          fileIndices.push(frame.index);
          await new Promise((r) => setImmediate(r));
          if (frame.index % 10 === 0) throw new Error(`consumer fails on frame ${frame.index}`);
          return;
        }
        if (id !== 'good') return;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        goodIndices.push(frame.index);
        try {
          // Hold the first frame: a busy consumer must make the camera drop, not queue.
          if (firstGood) {
            firstGood = false;
            await held;
          }
        } finally {
          inFlight--;
        }
      },
      onState: (id, change) => {
        if (id === 'good') goodStates.push((change as StateChange).state);
      },
    });
    supervisor.start();
    onTestFinished(() => supervisor.stop());
    const cam = (id: string): CameraStatus => {
      const s = supervisor.status().find((c) => c.id === id);
      if (!s) throw new Error(`no camera ${id}`);
      return s;
    };

    await waitFor('the good camera to deliver', () => cam('good').delivered >= 1);
    await waitFor('frames to pile up behind the busy consumer', () => cam('good').decoded >= 5);
    release();
    expect(cam('good').dropped).toBeGreaterThanOrEqual(4);

    // The dead camera keeps retrying while the good one keeps delivering, round after round.
    for (let round = 0; round < 3; round++) {
      const [reconnects, delivered] = [cam('dead').reconnects, cam('good').delivered];
      await waitFor(
        'both cameras to progress',
        () => cam('dead').reconnects > reconnects && cam('good').delivered > delivered,
      );
    }
    expect(cam('dead')).toMatchObject({ delivered: 0, decoded: 0 });
    expect(['connecting', 'backing-off']).toContain(cam('dead').state);
    expect(cam('dead').reason).toMatch(/refused|unreachable|connecting/i);

    // The recording: every frame delivered, in order, none dropped; consumer errors counted.
    await waitFor('the recording to end', () => cam('recording').state === 'ended');
    expect(cam('recording')).toMatchObject({
      delivered: recordingFrames,
      decoded: recordingFrames,
      dropped: 0,
      consumerErrors: Math.floor((recordingFrames - 1) / 10) + 1,
      lastConsumerError: expect.stringMatching(/consumer fails on frame/) as unknown,
    });
    expect(fileIndices).toEqual(Array.from({ length: recordingFrames }, (_, i) => i));

    // Impossible options: this camera alone is failed, with the reason named.
    expect(cam('broken').state).toBe('failed');
    expect(cam('broken').reason).toMatch(/bad source options.*fps/);

    await supervisor.stop();
    const good = cam('good');
    expect(good.state).toBe('stopped');
    expect(cam('dead').state).toBe('stopped');
    // Every frame out of the decoder was either handed over or counted as dropped.
    expect(good.delivered + good.dropped).toBe(good.decoded);
    expect(goodIndices.length).toBe(good.delivered);
    expect(maxInFlight).toBe(1);
    // The good camera never left 'streaming' while the others failed around it.
    expect(goodStates.filter((s) => s !== 'connecting' && s !== 'streaming')).toEqual(['stopped']);
    expect(decoderProcesses(`127.0.0.1:${server.port}/`)).toEqual([]);
    expect(decoderProcesses(deadUrl.slice('rtsp://'.length))).toEqual([]);
  });

  it('keeps a camera whose server restarts, without restarting the supervisor', async () => {
    const supervisor = new CameraSupervisor({
      cameras: [
        {
          id: 'cam',
          source: cameraSourceOptions({ url: server.url, ioTimeoutS: 5 }, OUTPUT),
          policy: { baseMs: 200, capMs: 1_000 },
        },
      ],
      consumer: () => {},
    });
    supervisor.start();
    onTestFinished(() => supervisor.stop());
    const cam = (): CameraStatus => supervisor.status()[0] as CameraStatus;
    await waitFor('frames', () => cam().delivered >= 3);
    await server.kill();
    await waitFor('the outage to show', () => ['backing-off', 'stalled'].includes(cam().state));
    const before = cam().delivered;
    await server.restart();
    await waitFor('frames after the restart', () => cam().delivered >= before + 3);
    expect(cam().state).toBe('streaming');
    expect(cam().reconnects).toBeGreaterThanOrEqual(1);
    await supervisor.stop();
    expect(decoderProcesses(`127.0.0.1:${server.port}/`)).toEqual([]);
  });
});

describe('CameraSupervisor: input checks', () => {
  it('rejects a camera id listed twice', () => {
    const source = { input: '/nonexistent.mp4' };
    expect(
      () =>
        new CameraSupervisor({
          cameras: [
            { id: 'a', source },
            { id: 'a', source },
          ],
          consumer: () => {},
        }),
    ).toThrow(/camera id a is listed twice/);
  });
});
