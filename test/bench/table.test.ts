import { describe, expect, it } from 'vitest';
import { formatFigure, formatTable } from '../../bench/lib/table.ts';
import type { TableRow } from '../../bench/lib/table.ts';

describe('formatFigure', () => {
  it('rounds to about four significant figures without exponents', () => {
    expect(formatFigure(1302.4)).toBe('1302');
    expect(formatFigure(230.44)).toBe('230.4');
    expect(formatFigure(12.5)).toBe('12.50');
    expect(formatFigure(0.21347)).toBe('0.213');
  });
});

describe('formatTable', () => {
  it('aligns columns: names left, figures right', () => {
    const row = (c: string, b: number, s: number, r: number): TableRow => ({
      bench: 'decode',
      case: c,
      unit: 'f/s',
      repeats: 3,
      baselineLabel: 'b',
      subjectLabel: 's',
      summary: {
        baselineMedian: b,
        subjectMedian: s,
        ratio: r,
        ratioMin: r - 0.01,
        ratioMax: r + 0.02,
      },
    });
    const text = formatTable([row('rgb', 1300, 230, 0.177), row('gray small', 1250, 500, 0.4)]);
    expect(text.split('\n')).toEqual([
      // Widths: 9 ('benchmark'), 10 ('gray small'), 8 ('1300 f/s'), 9 ('230.0 f/s'), 6, 11, 1.
      'benchmark  case        baseline    subject   ratio        range  n',
      '---------  ----------  --------  ---------  ------  -----------  -',
      'decode     rgb         1300 f/s  230.0 f/s  0.177×  0.167–0.197  3',
      'decode     gray small  1250 f/s  500.0 f/s  0.400×  0.390–0.420  3',
    ]);
  });
});
