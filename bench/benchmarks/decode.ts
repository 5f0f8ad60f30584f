// Frame-decode throughput: frames read into Node through the fluent-ffmpeg raw-output source,
// against ffmpeg decoding the same file to nothing (`-f null`), the ceiling for this machine.
import { spawn } from 'node:child_process';
import { FluentFfmpegSource, probeVideo } from '@pretag/edge-agent/sources/fluent-ffmpeg-source';
import type { FfmpegSourceOptionsInput } from '@pretag/edge-agent/sources/ffmpeg-args';
import type { Benchmark, BenchCase, Measure } from '../lib/types.ts';

/** The last `frame=N` of ffmpeg's -progress output. */
export function lastProgressFrame(text: string): number | undefined {
  const all = [...text.matchAll(/^frame=\s*(\d+)\s*$/gm)];
  const last = all.at(-1)?.[1];
  return last === undefined ? undefined : Number(last);
}

function plainFfmpegNull(file: string, expectedFrames: number): Measure {
  return {
    label: 'ffmpeg -i FILE -f null -',
    run: () =>
      new Promise<number>((resolve, reject) => {
        const t0 = performance.now();
        const args = [
          '-hide_banner',
          '-nostdin',
          '-v',
          'error',
          '-nostats',
          '-progress',
          'pipe:1',
          '-i',
          file,
          '-f',
          'null',
          '-',
        ];
        const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        child.on('error', reject);
        child.on('close', (code) => {
          const seconds = (performance.now() - t0) / 1000;
          const frames = lastProgressFrame(out);
          if (code !== 0) reject(new Error(`ffmpeg exited with ${code}: ${err.trim()}`));
          else if (frames !== expectedFrames)
            reject(new Error(`ffmpeg decoded ${frames} frames, expected ${expectedFrames}`));
          else resolve(frames / seconds);
        });
      }),
  };
}

function sourceIntoNode(
  label: string,
  options: FfmpegSourceOptionsInput,
  expectedFrames: number,
): Measure {
  return {
    label,
    run: async () => {
      // Timed from construction: includes the ffprobe the source runs to learn size and rate.
      const t0 = performance.now();
      let frames = 0;
      for await (const frame of new FluentFfmpegSource(options))
        if (frame.data.length > 0) frames++;
      const seconds = (performance.now() - t0) / 1000;
      if (frames !== expectedFrames)
        throw new Error(`source gave ${frames} frames, expected ${expectedFrames}`);
      return frames / seconds;
    },
  };
}

export const decode: Benchmark = {
  name: 'decode',
  description:
    'frames/s of the fluent-ffmpeg raw-frame source (into Node) vs plain `ffmpeg -f null`',
  media: ['video/campus-pedestrians-vtest.avi'],
  async cases({ media: [file] }): Promise<BenchCase[]> {
    if (!file) throw new Error('decode needs its video');
    const info = await probeVideo(file);
    const baseline = plainFfmpegNull(file, info.frameCount);
    return [
      {
        name: `rgb24 ${info.width}x${info.height} full rate`,
        unit: 'frames/s',
        baseline,
        subject: sourceIntoNode(
          'FluentFfmpegSource rgb24, native size',
          { input: file, format: 'rgb24' },
          info.frameCount,
        ),
      },
      {
        name: 'gray 320w full rate',
        unit: 'frames/s',
        baseline,
        subject: sourceIntoNode(
          'FluentFfmpegSource gray, width 320 (motion-gate input)',
          { input: file, format: 'gray', width: 320 },
          info.frameCount,
        ),
      },
    ];
  },
};
