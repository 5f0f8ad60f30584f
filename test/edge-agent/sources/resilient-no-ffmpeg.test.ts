// Its own file: pointing the decoder at a missing binary is process-wide.
import { afterAll, describe, expect, it } from 'vitest';
import { setDecoderBinaries } from '../../../edge-agent/src/sources/fluent-ffmpeg-source.ts';
import { openFrameSource } from '../../../edge-agent/src/sources/index.ts';
import { ResilientSource } from '../../../edge-agent/src/sources/resilient-source.ts';
import type { StateChange } from '../../../edge-agent/src/sources/resilient-source.ts';
import { CameraSupervisor } from '../../../edge-agent/src/sources/supervisor.ts';
import { waitFor } from './live-helpers.ts';

const url = 'rtsp://127.0.0.1:9/cam';
const options = { input: url, width: 8, height: 8, fps: 1 };

describe('a live camera without an ffmpeg binary', () => {
  setDecoderBinaries({ ffmpeg: '/nonexistent/ffmpeg', ffprobe: '/nonexistent/ffprobe' });
  afterAll(() => setDecoderBinaries({ ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' }));

  it('stops with ffmpeg-not-found instead of retrying forever', async () => {
    const states: StateChange[] = [];
    const source = new ResilientSource({
      input: url,
      open: () => openFrameSource(options),
      onState: (c) => states.push(c),
    });
    const error = await (async () => {
      for await (const _ of source) throw new Error('no frame expected');
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'ffmpeg-not-found' });
    expect((error as Error).message).toMatch(
      /ffmpeg not found .*install ffmpeg or set FFMPEG_PATH/,
    );
    expect(states.map((s) => s.state)).toEqual(['connecting', 'stopped']);
    expect(source.counters.reconnects).toBe(0);
  });

  it('in a supervisor, the camera shows failed with the reason; the process carries on', async () => {
    const supervisor = new CameraSupervisor({
      cameras: [{ id: 'cam', source: options }],
      consumer: () => {},
    });
    supervisor.start();
    await waitFor('the camera to fail', () => supervisor.status()[0]?.state === 'failed');
    await supervisor.stop();
    const [cam] = supervisor.status();
    expect(cam?.state).toBe('failed');
    expect(cam?.reason).toMatch(/^ffmpeg not found/);
  });
});
