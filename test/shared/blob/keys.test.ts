import { describe, expect, it } from 'vitest';
import {
  frameBlobKey,
  frameKeyPrefix,
  keyWithinPrefix,
  parseFrameBlobKey,
  validateBlobKey,
} from '../../../shared/src/blob/keys.ts';

describe('frame blob keys', () => {
  it('follows frames/{site}/{camera}/{yyyy}/{mm}/{dd}/{frameId}.jpg', () => {
    expect(
      frameBlobKey({
        site: 'dublin-plant-2',
        camera: 'dock-door-3',
        capturedAt: '2026-03-05T10:00:00Z',
        frameId: 'f-000042',
      }),
    ).toBe('frames/dublin-plant-2/dock-door-3/2026/03/05/f-000042.jpg');
  });

  it('dates the key in UTC, not in the local or the offset day', () => {
    // 00:30 on 1 Jan in UTC+02:00 is 22:30 on 31 Dec in UTC.
    expect(
      frameBlobKey({
        site: 's',
        camera: 'c',
        capturedAt: '2027-01-01T00:30:00+02:00',
        frameId: 'x',
      }),
    ).toBe('frames/s/c/2026/12/31/x.jpg');
    expect(
      frameBlobKey({
        site: 's',
        camera: 'c',
        capturedAt: new Date(Date.UTC(2026, 1, 28, 23, 59, 59)),
        frameId: 'x',
      }),
    ).toBe('frames/s/c/2026/02/28/x.jpg');
  });

  it.each([
    [{ site: '../etc' }, /site id "..\/etc"/],
    [{ camera: 'a/b' }, /camera id "a\/b"/],
    [{ frameId: 'x.jpg' }, /frame id "x.jpg" may use only/],
    [{ frameId: '../x' }, /frame id/],
    [{ frameId: '' }, /frame id "" is empty/],
    [{ capturedAt: 'yesterday' }, /capturedAt "yesterday" is not a valid date/],
  ])('refuses bad parts %j', (change, message) => {
    const parts = {
      site: 's',
      camera: 'c',
      capturedAt: '2026-03-05T10:00:00Z',
      frameId: 'x',
      ...change,
    };
    expect(() => frameBlobKey(parts)).toThrow(message);
  });

  it('parses a frame key back into its parts, and refuses look-alikes', () => {
    expect(parseFrameBlobKey('frames/s/c/2026/03/05/f-1.jpg')).toEqual({
      site: 's',
      camera: 'c',
      date: '2026-03-05',
      frameId: 'f-1',
    });
    expect(parseFrameBlobKey('frames/s/c/2026/02/30/f-1.jpg')).toBeUndefined(); // no 30 Feb
    expect(parseFrameBlobKey('frames/s/c/2026/03/05/f-1.png')).toBeUndefined();
    expect(parseFrameBlobKey('frames/s/c/2026/03/f-1.jpg')).toBeUndefined();
    expect(parseFrameBlobKey('frames/s/../2026/03/05/f-1.jpg')).toBeUndefined();
    expect(frameKeyPrefix('s', 'c')).toBe('frames/s/c/');
  });
});

describe('validateBlobKey', () => {
  it.each(['frames/s/c/2026/03/05/f-1.jpg', 'a', 'a.b/c_d-e.json', `x/${'y'.repeat(200)}`])(
    'accepts %j',
    (key) => {
      expect(validateBlobKey(key)).toEqual({ ok: true });
    },
  );

  it.each<[string, unknown, RegExp]>([
    ['dot-dot segment', 'frames/../etc/passwd', /has a "\.\." segment/],
    ['leading dot-dot', '../x', /"\.\." segment/],
    ['lone dot-dot', '..', /"\.\." segment/],
    ['dot segment', 'a/./b', /has a "\." segment/],
    ['absolute path', '/etc/passwd', /is absolute/],
    ['NUL', 'frames/a\0.jpg', /contains NUL/],
    ['backslash', 'frames\\..\\x', /backslash/],
    ['empty segment', 'frames//x', /empty segment/],
    ['trailing slash', 'frames/x/', /empty segment/],
    ['empty key', '', /is empty/],
    ['percent-encoded dot-dot', 'frames/%2e%2e/x', /percent-encoding/],
    ['percent-encoded slash', 'frames%2Fx', /percent-encoding/],
    ['hidden file', 'frames/.tmp-1', /starting with '\.'/],
    ['triple dot', 'frames/.../x', /starting with '\.'/],
    ['fullwidth full stops', 'frames/\uFF0E\uFF0E/x', /may use only/],
    ['one-dot leader (U+2024)', 'frames/\u2024\u2024/x', /may use only/],
    ['Windows drive', 'C:/x', /may use only/],
    ['space', 'frames/a b.jpg', /may use only/],
    ['newline', 'frames/a\n.jpg', /may use only/],
    ['over-long key', 'a/'.repeat(600) + 'x', /longer than 1024/],
    ['over-long segment', 'x'.repeat(201), /segment longer than 200/],
    ['not a string', 42, /not a string/],
  ])('refuses a %s', (_name, key, reason) => {
    const r = validateBlobKey(key);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('keyWithinPrefix', () => {
  it('accepts keys strictly under the prefix, with or without its trailing slash', () => {
    expect(keyWithinPrefix('frames/s/c/2026/03/05/x.jpg', 'frames/s/c/')).toBe(true);
    expect(keyWithinPrefix('frames/s/c/2026/03/05/x.jpg', 'frames/s/c')).toBe(true);
  });

  it.each([
    ['a sibling whose name starts the same', 'frames/s/c2/x.jpg', 'frames/s/c'],
    ['the prefix itself', 'frames/s/c', 'frames/s/c/'],
    ['an escape with ..', 'frames/s/c/../d/x.jpg', 'frames/s/c/'],
    ['another site', 'frames/t/c/x.jpg', 'frames/s/c/'],
    ['an invalid prefix', 'x/y', '../x'],
    ['an empty prefix', 'x/y', ''],
  ])('refuses %s', (_name, key, prefix) => {
    expect(keyWithinPrefix(key, prefix)).toBe(false);
  });
});
