// Its own file: pointing fluent-ffmpeg at a missing binary is process-wide.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  FluentFfmpegSource,
  probeVideo,
  setDecoderBinaries,
} from '../../../edge-agent/src/sources/fluent-ffmpeg-source.ts';
import { SourceError } from '../../../edge-agent/src/sources/source-error.ts';

// Any existing file will do: the binary is checked first.
const input = fileURLToPath(import.meta.url);

describe('without an ffmpeg binary', () => {
  it('the source and the probe say ffmpeg was not found, and the process survives', async () => {
    setDecoderBinaries({
      ffmpeg: path.join('/nonexistent', 'ffmpeg'),
      ffprobe: path.join('/nonexistent', 'ffprobe'),
    });
    let error: unknown;
    try {
      for await (const _ of new FluentFfmpegSource({ input, width: 8, height: 8, fps: 1 })) {
        throw new Error('no frame expected');
      }
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ kind: 'ffmpeg-not-found' });
    expect((error as Error).message).toMatch(
      /^ffmpeg not found \(looked for \/nonexistent\/ffmpeg\)/,
    );
    await expect(probeVideo(input)).rejects.toMatchObject({
      kind: 'ffmpeg-not-found',
      message: expect.stringMatching(/^ffprobe not found/) as unknown,
    });
  });
});
