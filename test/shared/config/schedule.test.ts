// Schedule windows in site local time. The instants below were worked out by hand from the
// published 2026 DST rules:
//   America/New_York: EST (UTC-5) until Sun 8 Mar 2026 02:00 local (07:00Z), then EDT (UTC-4);
//                     back to EST on Sun 1 Nov 2026 at 02:00 EDT (06:00Z).
//   Europe/Dublin:    GMT (UTC+0) until Sun 29 Mar 2026 01:00Z, then IST (UTC+1);
//                     back to GMT on Sun 25 Oct 2026 at 01:00Z.
import { describe, expect, it } from 'vitest';
import {
  activeWindow,
  localTime,
  overlappingPairs,
  windowsOverlap,
} from '../../../shared/src/config/schedule.ts';

const night = [{ from: '19:00', to: '07:00' }];
const at = (iso: string) => new Date(iso);
const idx = (schedule: Array<{ from: string; to: string }>, iso: string, tz: string) =>
  activeWindow(schedule, at(iso), tz)?.index;

describe('windows that cross midnight (UTC, no DST)', () => {
  it.each([
    ['2026-06-01T18:59:00Z', undefined],
    ['2026-06-01T19:00:00Z', 0], // start is inclusive
    ['2026-06-01T23:59:00Z', 0],
    ['2026-06-02T00:00:00Z', 0],
    ['2026-06-02T06:59:00Z', 0],
    ['2026-06-02T07:00:00Z', undefined], // end is exclusive
    ['2026-06-02T12:00:00Z', undefined],
  ])('19:00-07:00 at %s -> %s', (iso, want) => {
    expect(idx(night, iso, 'UTC')).toBe(want);
  });

  it('"24:00" ends a window at midnight', () => {
    const evening = [{ from: '18:00', to: '24:00' }];
    expect(idx(evening, '2026-06-01T23:59:00Z', 'UTC')).toBe(0);
    expect(idx(evening, '2026-06-02T00:00:00Z', 'UTC')).toBeUndefined();
  });

  it('picks the matching window among several', () => {
    const day = [
      { from: '07:00', to: '12:00' },
      { from: '12:00', to: '19:00' },
      { from: '19:00', to: '07:00' },
    ];
    expect(idx(day, '2026-06-01T06:00:00Z', 'UTC')).toBe(2);
    expect(idx(day, '2026-06-01T11:59:00Z', 'UTC')).toBe(0);
    expect(idx(day, '2026-06-01T12:00:00Z', 'UTC')).toBe(1);
  });
});

describe('America/New_York across DST', () => {
  const tz = 'America/New_York';

  it('reads wall time from the zone rules', () => {
    expect(localTime(at('2026-03-07T11:30:00Z'), tz)).toEqual({
      date: '2026-03-07',
      hour: 6,
      minute: 30,
    });
    expect(localTime(at('2026-03-08T11:30:00Z'), tz)).toEqual({
      date: '2026-03-08',
      hour: 7,
      minute: 30,
    });
  });

  it('the same UTC time is inside the night window before the change and outside after it', () => {
    expect(idx(night, '2026-03-07T11:30:00Z', tz)).toBe(0); // 06:30 EST
    expect(idx(night, '2026-03-08T11:30:00Z', tz)).toBeUndefined(); // 07:30 EDT
  });

  it('the skipped hour 02:00-03:00 on 8 March never matches', () => {
    const skipped = [{ from: '02:00', to: '03:00' }];
    expect(idx(skipped, '2026-03-08T06:59:00Z', tz)).toBeUndefined(); // 01:59 EST
    expect(idx(skipped, '2026-03-08T07:00:00Z', tz)).toBeUndefined(); // 03:00 EDT
    expect(idx([{ from: '01:00', to: '02:00' }], '2026-03-08T06:59:00Z', tz)).toBe(0);
  });

  it('the repeated hour 01:00-02:00 on 1 November matches twice', () => {
    const repeated = [{ from: '01:00', to: '02:00' }];
    expect(idx(repeated, '2026-11-01T05:30:00Z', tz)).toBe(0); // 01:30 EDT
    expect(idx(repeated, '2026-11-01T06:30:00Z', tz)).toBe(0); // 01:30 EST
    expect(idx(repeated, '2026-11-01T07:00:00Z', tz)).toBeUndefined(); // 02:00 EST
  });
});

describe('Europe/Dublin across DST', () => {
  const tz = 'Europe/Dublin';

  it('06:30Z is night on 28 March (GMT) and morning on 29 March (IST)', () => {
    expect(idx(night, '2026-03-28T06:30:00Z', tz)).toBe(0); // 06:30 GMT
    expect(idx(night, '2026-03-29T06:30:00Z', tz)).toBeUndefined(); // 07:30 IST
  });

  it('in summer the window follows local time, not UTC', () => {
    expect(idx(night, '2026-07-01T18:30:00Z', tz)).toBe(0); // 19:30 IST
    expect(idx(night, '2026-07-01T18:30:00Z', 'UTC')).toBeUndefined();
    expect(idx(night, '2026-07-01T05:59:00Z', tz)).toBe(0); // 06:59 IST
    expect(idx(night, '2026-07-01T06:00:00Z', tz)).toBeUndefined(); // 07:00 IST
  });

  it('the skipped hour 01:00-02:00 on 29 March never matches', () => {
    const skipped = [{ from: '01:00', to: '02:00' }];
    expect(idx(skipped, '2026-03-29T00:59:00Z', tz)).toBeUndefined(); // 00:59 GMT
    expect(idx(skipped, '2026-03-29T01:00:00Z', tz)).toBeUndefined(); // 02:00 IST
  });

  it('the repeated hour 01:00-02:00 on 25 October matches twice', () => {
    const repeated = [{ from: '01:00', to: '02:00' }];
    expect(idx(repeated, '2026-10-25T00:30:00Z', tz)).toBe(0); // 01:30 IST
    expect(idx(repeated, '2026-10-25T01:30:00Z', tz)).toBe(0); // 01:30 GMT
    expect(idx(repeated, '2026-10-25T02:00:00Z', tz)).toBeUndefined(); // 02:00 GMT
  });
});

describe('overlap', () => {
  it.each([
    ['19:00', '07:00', '06:00', '08:00', true],
    ['19:00', '07:00', '07:00', '19:00', false], // touching ends do not overlap
    ['22:00', '02:00', '01:00', '03:00', true],
    ['23:00', '01:00', '12:00', '13:00', false],
    ['08:00', '09:00', '08:30', '08:31', true],
    ['20:00', '24:00', '00:00', '06:00', false],
  ])('%s-%s vs %s-%s -> %s', (a0, a1, b0, b1, want) => {
    expect(windowsOverlap({ from: a0, to: a1 }, { from: b0, to: b1 })).toBe(want);
    expect(windowsOverlap({ from: b0, to: b1 }, { from: a0, to: a1 })).toBe(want);
  });

  it('names every overlapping pair by index', () => {
    const list = [
      { from: '19:00', to: '07:00' },
      { from: '12:00', to: '13:00' },
      { from: '06:00', to: '12:30' },
    ];
    expect(overlappingPairs(list)).toEqual([
      [0, 2],
      [1, 2],
    ]);
  });
});
