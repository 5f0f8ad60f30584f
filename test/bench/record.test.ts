import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastProgressFrame } from '../../bench/benchmarks/decode.ts';
import { parseFfmpegVersion } from '../../bench/lib/machine.ts';
import { appendResults, resultLine } from '../../bench/lib/record.ts';
import { summarize } from '../../bench/lib/stats.ts';

const machine = {
  cpuModel: 'Test CPU',
  cores: 2,
  memoryGiB: 8,
  os: 'Linux 6 x64',
  node: 'v24.0.0',
  ffmpeg: '5.1',
  load1: 0.5,
};

describe('results.jsonl lines', () => {
  it('carry date, commit, machine, both medians and the ratio; appending keeps earlier lines', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pretag-bench-'));
    try {
      const file = path.join(dir, 'results.jsonl');
      const result = {
        case: 'rgb',
        unit: 'frames/s',
        baseline: { label: 'ffmpeg', samples: [1000, 1200, 1100] },
        subject: { label: 'source', samples: [200, 300, 220] },
        summary: summarize([1000, 1200, 1100], [200, 300, 220]),
      };
      const date = new Date('2026-01-02T03:04:05Z');
      const line = resultLine('decode', result, { commit: 'abc123', dirty: true }, machine, date);
      await appendResults(file, [line]);
      await appendResults(file, [line]);
      const rows = (await readFile(file, 'utf8'))
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown);
      expect(rows).toHaveLength(2);
      // Ratios 0.2, 0.25, 0.2 → median 0.2; medians 1100 and 220.
      expect(rows[0]).toMatchObject({
        date: '2026-01-02T03:04:05.000Z',
        commit: 'abc123',
        dirty: true,
        bench: 'decode',
        case: 'rgb',
        repeats: 3,
        baseline: { median: 1100 },
        subject: { median: 220 },
        ratio: 0.2,
        ratioRange: [0.2, 0.25],
        machine: { cpuModel: 'Test CPU', ffmpeg: '5.1' },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('parsers for tool output', () => {
  it('reads the version from ffmpeg -version', () => {
    expect(
      parseFfmpegVersion(
        'ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers\n',
      ),
    ).toBe('5.1.9-0+deb12u1');
    expect(parseFfmpegVersion(undefined)).toBe('unavailable');
  });

  it('takes the last frame= of ffmpeg -progress output', () => {
    const progress = 'frame=120\nfps=0.0\nprogress=continue\nframe=795\nfps=1300\nprogress=end\n';
    expect(lastProgressFrame(progress)).toBe(795);
    expect(lastProgressFrame('progress=end\n')).toBeUndefined();
  });
});
