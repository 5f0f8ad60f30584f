// The hub ↔ worker control topics and payloads: where they live (never a device topic, never in
// the hub's ingest filters), and that bad messages are refused with a reason, never thrown.
import { describe, expect, it } from 'vitest';
import {
  MAX_CONTROL_BYTES,
  decodeDetectorControl,
  decodeWorkerModel,
} from '@pretag/shared/mqtt/control';
import {
  controlTopics,
  deviceMayPublish,
  deviceMaySubscribe,
  parseTopic,
  topicScheme,
} from '@pretag/shared/mqtt/topics';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const good = {
  v: 1,
  revision: 3,
  model: 'nanodet',
  detector: { adapter: 'nanodet', providers: ['cpu'], min_score: 0.05 },
  issuedAt: '2026-11-27T06:00:00.000Z',
};

/** MQTT filter matching as the spec defines it: '+' one level, '#' the rest. */
function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

describe('control topics', () => {
  const c = controlTopics('pretag/v1');

  it('names the detector control and each worker status under the prefix', () => {
    expect(c.detector).toBe('pretag/v1/control/detector');
    expect(c.workerModel('w-1')).toBe('pretag/v1/workers/w-1/model');
    expect(matches(c.workerModels, c.workerModel('host:12:ab'))).toBe(true);
  });

  it('makes any worker name one topic level without wildcards', () => {
    expect(c.workerModel('a/b+c#d')).toBe('pretag/v1/workers/a_b_c_d/model');
    expect(c.workerModel('')).toBe('pretag/v1/workers/_/model');
  });

  it('are not device topics: devices may neither publish nor subscribe to them, ingest never sees them', () => {
    const who = { site: 'control', device: 'detector' };
    for (const t of [c.detector, c.workerModel('w-1')]) {
      expect(parseTopic(t, 'pretag/v1').ok).toBe(false);
      expect(deviceMayPublish(t, who, 'pretag/v1')).toBe(false);
      expect(deviceMaySubscribe(t, who, 'pretag/v1')).toBe(false);
      for (const f of Object.values(topicScheme('pretag/v1').hubFilters))
        expect(matches(f, t), `${f} vs ${t}`).toBe(false);
    }
  });

  it('refuses a bad prefix', () => {
    expect(() => controlTopics('pretag/#')).toThrow(/wildcard/);
  });
});

describe('control payloads', () => {
  it('decodes a valid detector control', () => {
    expect(decodeDetectorControl(bytes(JSON.stringify(good)))).toEqual({ ok: true, value: good });
  });

  it.each([
    ['not JSON', '{"v":1,', /not JSON/],
    ['a missing revision', JSON.stringify({ ...good, revision: undefined }), /^revision: /],
    ['revision 0', JSON.stringify({ ...good, revision: 0 }), /^revision: /],
    ['a fractional revision', JSON.stringify({ ...good, revision: 1.5 }), /^revision: /],
    ['another version', JSON.stringify({ ...good, v: 2 }), /^v: /],
    ['an unknown key', JSON.stringify({ ...good, extra: 1 }), /extra/],
    ['no adapter', JSON.stringify({ ...good, detector: { file: 'x.onnx' } }), /adapter/],
    ['an array', '[1,2]', /expected object/],
  ])('refuses %s with a reason', (_what, text, reason) => {
    const r = decodeDetectorControl(bytes(text));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('refuses an oversized message before parsing it', () => {
    const r = decodeDetectorControl(Buffer.alloc(MAX_CONTROL_BYTES + 1, 0x20));
    expect(r).toEqual({
      ok: false,
      reason: `message is ${MAX_CONTROL_BYTES + 1} bytes, over ${MAX_CONTROL_BYTES}`,
    });
  });

  it("decodes a worker's answer, with or without a failed promotion", () => {
    const answer = {
      v: 1,
      worker: 'w-1',
      model: 'centernet',
      revision: 0,
      failed: { revision: 3, model: 'nanodet', error: 'no such file' },
      at: '2026-11-27T06:00:01.000Z',
    };
    expect(decodeWorkerModel(bytes(JSON.stringify(answer)))).toEqual({ ok: true, value: answer });
    const r = decodeWorkerModel(bytes(JSON.stringify({ ...answer, revision: -1 })));
    expect(r.ok).toBe(false);
  });
});
