// What the build prints: on a terminal a running step redraws one line with its percentage;
// in a log (no TTY) each step is one plain line.
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../../models/src/build/progress.ts';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { stream: { isTTY, write: (s: string) => chunks.push(s) }, text: () => chunks.join('') };
}

describe('build progress display', () => {
  it('prints one plain line per step when not a terminal', () => {
    const s = sink(false);
    const p = createProgress(s.stream);
    p.start('[1/2] nanodet: convert');
    for (let i = 0; i <= 10; i++) p.update(i / 10, `${i}/10 nodes`);
    p.done('337 ONNX nodes');
    p.start('[2/2] centernet: convert');
    p.done('501 ONNX nodes');
    expect(s.text()).toBe(
      '[1/2] nanodet: convert: 337 ONNX nodes\n[2/2] centernet: convert: 501 ONNX nodes\n',
    );
  });

  it('redraws the running step with a percentage on a terminal, then leaves the result line', () => {
    const s = sink(true);
    const p = createProgress(s.stream);
    p.start('[1/1] nanodet: convert');
    p.update(0.5, '100/200 nodes');
    p.update(0.504, '101/200 nodes'); // same percentage: not redrawn
    p.update(1, '200/200 nodes');
    p.done('337 ONNX nodes');
    const lines = s.text().split('\r\x1b[2K');
    expect(lines).toEqual([
      '[1/1] nanodet: convert …',
      '[1/1] nanodet: convert  50% (100/200 nodes)',
      '[1/1] nanodet: convert 100% (200/200 nodes)',
      '[1/1] nanodet: convert: 337 ONNX nodes\n',
    ]);
  });
});
