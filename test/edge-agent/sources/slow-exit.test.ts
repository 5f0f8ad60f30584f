// Its own file: the ffmpeg binary is set process-wide. On a busy machine fluent-ffmpeg may see our
// output stream close more than 20 ms before it sees ffmpeg exit, and then reports "Output stream
// closed" at a normal end of file. An ffmpeg that lingers after closing its output acts that out.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FluentFfmpegSource,
  setDecoderBinaries,
} from '../../../edge-agent/src/sources/fluent-ffmpeg-source.ts';
import { needMedia } from '../../helpers/media.ts';

const m = needMedia('video/warehouse-worker-zone.mp4');
const [video = ''] = m.paths;
const dir = mkdtempSync(path.join(tmpdir(), 'slow-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!m.ok)('a decoder that exits late after its last frame', () => {
  it('still ends the file cleanly with every frame', async () => {
    const wrapper = path.join(dir, 'ffmpeg');
    writeFileSync(wrapper, '#!/bin/sh\nffmpeg "$@"\nstatus=$?\nexec 1>&-\nsleep 1\nexit $status\n');
    chmodSync(wrapper, 0o755);
    // The reference: the same decode by ffmpeg itself, counted in bytes.
    const bytes = execFileSync(
      'ffmpeg',
      [
        '-v',
        'error',
        '-i',
        video,
        '-vf',
        'fps=2,scale=96:54',
        '-pix_fmt',
        'gray',
        '-f',
        'rawvideo',
        '-',
      ],
      { maxBuffer: 1 << 24 },
    ).length;
    setDecoderBinaries({ ffmpeg: wrapper });
    let frames = 0;
    for await (const f of new FluentFfmpegSource({
      input: video,
      fps: 2,
      width: 96,
      height: 54,
      format: 'gray',
    })) {
      expect(f.data.length).toBe(96 * 54);
      frames++;
    }
    expect(frames).toBe(bytes / (96 * 54));
  });
});
