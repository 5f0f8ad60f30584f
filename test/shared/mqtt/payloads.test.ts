import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  decodePayload,
  encodePayload,
  topicMismatch,
} from '../../../shared/src/mqtt/payloads.ts';
import type { FramePayload } from '../../../shared/src/mqtt/payloads.ts';
import { parseTopic } from '../../../shared/src/mqtt/topics.ts';

// sha256 of the empty string, as printed by `sha256sum /dev/null`.
const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function frame(): FramePayload {
  return {
    v: 1,
    frameId: 'dock-door-3-20261127T003812Z-000042',
    capturedAt: '2026-11-27T00:38:12.345Z',
    site: 'dublin-plant-2',
    device: 'orin-07',
    camera: 'dock-door-3',
    blobKey: 'frames/dublin-plant-2/dock-door-3/2026/11/27/dock-door-3-20261127T003812Z-000042.jpg',
    width: 1920,
    height: 1080,
    sha256: SHA,
    bytes: 183_204,
    reason: 'prefilter',
    detections: [
      { label: 'person', score: 0.81, box: [100, 200, 180, 420] },
      { label: 'forklift truck', score: 0.4, box: [900.5, 300, 1300, 700.25] },
    ],
    motionScore: 0.031,
    thresholds: {
      minScore: 0.35,
      minArea: 0.0005,
      maxArea: 0.9,
      classes: ['person', 'truck'],
      motionThreshold: 25,
      motionMinArea: 0.002,
    },
    modelId: 'ssd-mobilenet-v2-int8@1',
  };
}

const status = {
  v: 1,
  site: 'dublin-plant-2',
  device: 'orin-07',
  state: 'online',
  agentVersion: '0.1.0',
  cameras: ['dock-door-3', 'yard-1'],
  uptime_s: 3600.5,
  at: '2026-11-27T00:38:12Z',
};

const stats = {
  v: 1,
  site: 'dublin-plant-2',
  device: 'orin-07',
  windowStart: '2026-11-27T00:37:12Z',
  windowEnd: '2026-11-27T00:38:12Z',
  cameras: {
    'dock-door-3': {
      decoded: 600,
      sampled: 60,
      gated: 12,
      inferred: 12,
      uploaded: 3,
      audited: 1,
      motion: 1,
      spooledBytes: 550_000,
      dropped: 0,
    },
  },
};

const config = {
  v: 1,
  site: 'dublin-plant-2',
  device: 'orin-07',
  issuedAt: '2026-11-27T00:38:12+01:00',
  cameras: { 'dock-door-3': { minScore: 0.3 }, 'yard-1': { classes: ['person'], auditRate: 0 } },
};

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

function reasonOf(r: { ok: boolean; reason?: string }): string {
  expect(r.ok).toBe(false);
  return r.reason ?? '';
}

describe('decodePayload: valid payloads', () => {
  it('accepts a frame and returns its fields', () => {
    const r = decodePayload('frame', json(frame()));
    expect(r).toEqual({ ok: true, value: frame() });
  });

  it('accepts status, stats and config, from bytes or a string', () => {
    expect(decodePayload('status', json(status))).toEqual({ ok: true, value: status });
    expect(decodePayload('stats', JSON.stringify(stats))).toEqual({ ok: true, value: stats });
    expect(decodePayload('config', json(config))).toEqual({ ok: true, value: config });
  });

  it('accepts the offline last-will status, a manual frame without motion score, no detections', () => {
    expect(decodePayload('status', json({ ...status, state: 'offline' })).ok).toBe(true);
    const f = { ...frame(), reason: 'manual', motionScore: null, detections: [] };
    expect(decodePayload('frame', json(f)).ok).toBe(true);
  });

  it('round-trips through encodePayload', () => {
    const bytes = encodePayload('frame', frame());
    expect(decodePayload('frame', bytes)).toEqual({ ok: true, value: frame() });
  });
});

describe('decodePayload: hostile and broken payloads', () => {
  it('refuses an oversized payload before parsing it', () => {
    // Not even JSON: the size check must come first, so the reason is about size.
    const big = Buffer.alloc(DEFAULT_MAX_PAYLOAD_BYTES.frame + 1, 0x7b);
    expect(reasonOf(decodePayload('frame', big))).toBe(
      'payload is 65537 bytes, over the 65536-byte limit',
    );
    expect(reasonOf(decodePayload('status', json(status), 50))).toMatch(/over the 50-byte limit/);
    // A string counts in UTF-8 bytes: 20 000 "€" are 60 000 bytes.
    expect(reasonOf(decodePayload('status', '€'.repeat(20_000), 50_000))).toMatch(
      /60000 bytes, over the 50000-byte limit/,
    );
  });

  it.each([
    ['empty', '', /not JSON/],
    ['truncated', '{"v":1,', /not JSON/],
    ['plain text', 'hello', /not JSON/],
    ['JSON array', '[1,2]', /not a JSON object/],
    ['JSON null', 'null', /not a JSON object/],
    ['JSON number', '1', /not a JSON object/],
  ])('refuses %s input', (_name, text, reason) => {
    expect(reasonOf(decodePayload('status', Buffer.from(text)))).toMatch(reason);
  });

  it('refuses bytes that are not UTF-8', () => {
    const bad = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]); // {"\xff\xfe":1}
    expect(reasonOf(decodePayload('status', bad))).toBe('payload is not valid UTF-8');
  });

  it('refuses deep nesting without overflowing the stack', () => {
    const deep = `{"v":1,"x":${'['.repeat(15_000)}${']'.repeat(15_000)}}`;
    expect(reasonOf(decodePayload('status', deep))).toMatch(/nested deeper than 8 levels/);
  });

  it.each([
    ['__proto__ at the top', '{"__proto__":{"polluted":true},"v":1}', /forbidden key "__proto__"/],
    ['constructor at the top', '{"constructor":{"prototype":{}},"v":1}', /forbidden key/],
    [
      '__proto__ inside a camera map',
      '{"v":1,"cameras":{"__proto__":{"minScore":0}}}',
      /forbidden key "__proto__"/,
    ],
    ['prototype in a detection', '{"v":1,"detections":[{"prototype":1}]}', /forbidden key/],
  ])('refuses %s', (_name, text, reason) => {
    expect(reasonOf(decodePayload('config', text))).toMatch(reason);
    // And nothing was polluted along the way.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['v: 2', { ...status, v: 2 }, /unsupported schema version v=2 \(this build reads v=1\)/],
    ['v as a string', { ...status, v: '1' }, /unsupported schema version v="1"/],
    ['no v', { ...status, v: undefined }, /no schema version/],
  ])('refuses a wrong version: %s', (_name, body, reason) => {
    expect(reasonOf(decodePayload('status', json(body)))).toMatch(reason);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['width as a string', { width: '1920' }, /^width: .*expected number/],
    ['fractional height', { height: 1080.5 }, /^height: .*expected int/],
    ['zero bytes', { bytes: 0 }, /^bytes: /],
    [
      'upper-case sha256',
      { sha256: SHA.toUpperCase() },
      /^sha256: sha256 must be 64 lowercase hex/,
    ],
    ['short sha256', { sha256: 'abc' }, /^sha256: /],
    ['unknown reason', { reason: 'because' }, /^reason: /],
    ['bad capturedAt', { capturedAt: '27/11/2026' }, /^capturedAt: /],
    ['capturedAt without zone', { capturedAt: '2026-11-27T00:38:12' }, /^capturedAt: /],
    [
      'score above 1',
      { detections: [{ label: 'person', score: 1.5, box: [0, 0, 1, 1] }] },
      /^detections\.0\.score: /,
    ],
    [
      'inverted box',
      { detections: [{ label: 'person', score: 0.5, box: [10, 0, 5, 1] }] },
      /^detections\.0\.box: box must be/,
    ],
    [
      'box with 3 numbers',
      { detections: [{ label: 'person', score: 0.5, box: [0, 0, 1] }] },
      /^detections\.0\.box/,
    ],
    [
      'label with a newline',
      { detections: [{ label: 'per\nson', score: 0.5, box: [0, 0, 1, 1] }] },
      /printable/,
    ],
    ['motion score above 1', { motionScore: 7 }, /^motionScore: /],
    ['extra field', { extra: 1 }, /Unrecognized key: "extra"/],
    ['camera with a slash', { camera: 'a/b' }, /^camera: id "a\/b" contains/],
    ['frame id with a dot', { frameId: 'a.b' }, /^frameId: frame id may use only/],
    [
      'frame id of 200 characters',
      { frameId: 'f'.repeat(200) },
      /^frameId: frame id is longer than 128/,
    ],
    ['model id of 1000 characters', { modelId: 'm'.repeat(1000) }, /^modelId: /],
  ])('refuses a frame with %s', (_name, change, reason) => {
    expect(reasonOf(decodePayload('frame', json({ ...frame(), ...change })))).toMatch(reason);
  });

  it.each(['frameId', 'capturedAt', 'blobKey', 'sha256', 'thresholds', 'detections'])(
    'refuses a frame missing %s',
    (field) => {
      const f: Record<string, unknown> = { ...frame() };
      delete f[field];
      expect(reasonOf(decodePayload('frame', json(f)))).toMatch(new RegExp(`^${field}: `));
    },
  );

  it.each([
    [
      'another site',
      'frames/cork-1/dock-door-3/2026/11/27/x.jpg',
      /blob key must be under "frames\/dublin-plant-2\/dock-door-3\/"/,
    ],
    ['another camera', 'frames/dublin-plant-2/yard-1/2026/11/27/x.jpg', /must be under/],
    ['a prefix look-alike', 'frames/dublin-plant-2/dock-door-3x/2026/x.jpg', /must be under/],
    [
      'a dot-dot escape',
      'frames/dublin-plant-2/dock-door-3/../../cork-1/x.jpg',
      /has a "\.\." segment/,
    ],
    ['an absolute path', '/etc/passwd', /is absolute/],
    ['percent-encoding', 'frames/dublin-plant-2/dock-door-3/%2e%2e/x.jpg', /percent/],
  ])('refuses a frame whose blob key points at %s', (_name, blobKey, reason) => {
    expect(reasonOf(decodePayload('frame', json({ ...frame(), blobKey })))).toMatch(reason);
  });

  it('refuses huge arrays even when the size limit would allow them', () => {
    const dets = Array.from({ length: 301 }, () => ({ label: 'a', score: 0.5, box: [0, 0, 1, 1] }));
    const r = decodePayload('frame', json({ ...frame(), detections: dets }), 1 << 20);
    expect(reasonOf(r)).toMatch(/^detections: .*300/);
    const cams = Array.from({ length: 257 }, (_, i) => `cam-${i}`);
    expect(reasonOf(decodePayload('status', json({ ...status, cameras: cams }), 1 << 20))).toMatch(
      /^cameras: .*256/,
    );
    const many = Object.fromEntries(cams.map((c) => [c, {}]));
    expect(reasonOf(decodePayload('config', json({ ...config, cameras: many }), 1 << 20))).toMatch(
      /at most 256 cameras/,
    );
  });

  it('refuses status, stats and config with wrong types or values', () => {
    expect(reasonOf(decodePayload('status', json({ ...status, state: 'sleeping' })))).toMatch(
      /^state: /,
    );
    expect(reasonOf(decodePayload('status', json({ ...status, uptime_s: -1 })))).toMatch(
      /^uptime_s: /,
    );
    expect(reasonOf(decodePayload('status', json({ ...status, cameras: ['a', 'a'] })))).toMatch(
      /camera ids must be unique/,
    );
    const negative = { ...stats, cameras: { c: { ...stats.cameras['dock-door-3'], dropped: -1 } } };
    expect(reasonOf(decodePayload('stats', json(negative)))).toMatch(/^cameras\.c\.dropped: /);
    const backwards = { ...stats, windowEnd: '2026-11-27T00:00:00Z' };
    expect(reasonOf(decodePayload('stats', json(backwards)))).toMatch(
      /windowEnd is before windowStart/,
    );
    const badCam = { ...config, cameras: { 'a+b': { minScore: 0.3 } } };
    expect(reasonOf(decodePayload('config', json(badCam)))).toMatch(/cameras/);
    const badOverride = { ...config, cameras: { c: { min_score: 0.3 } } };
    expect(reasonOf(decodePayload('config', json(badOverride)))).toMatch(
      /Unrecognized key: "min_score"/,
    );
  });

  it('refuses an unknown payload kind instead of throwing', () => {
    expect(reasonOf(decodePayload('toString' as 'frame', json(status)))).toBe(
      'unknown payload kind "toString"',
    );
  });

  it('keeps reasons short', () => {
    const r = decodePayload('frame', json({ ...frame(), modelId: 'x'.repeat(60_000) }), 1 << 20);
    expect(reasonOf(r).length).toBeLessThanOrEqual(220);
  });
});

describe('encodePayload and topicMismatch', () => {
  it('refuses to encode an invalid payload, naming the field', () => {
    expect(() => encodePayload('frame', { ...frame(), width: 0 })).toThrow(
      /invalid frame payload: width: /,
    );
  });

  it('spots a payload that claims another site, device or camera than its topic', () => {
    const t = parseTopic('pretag/v1/dublin-plant-2/orin-07/dock-door-3/frame');
    if (!t.ok) throw new Error(t.reason);
    expect(topicMismatch(t.topic, 'frame', frame())).toBeUndefined();
    expect(topicMismatch(t.topic, 'frame', { ...frame(), device: 'orin-08' })).toMatch(
      /payload device "orin-08" ≠ topic device "orin-07"/,
    );
    expect(topicMismatch(t.topic, 'frame', { ...frame(), camera: 'yard-1' })).toMatch(/camera/);
    const s = parseTopic('pretag/v1/cork-1/orin-07/status');
    if (!s.ok) throw new Error(s.reason);
    expect(topicMismatch(s.topic, 'status', status as never)).toMatch(/site/);
    expect(topicMismatch(s.topic, 'stats', stats as never)).toMatch(
      /a stats payload arrived on a status topic/,
    );
  });
});
