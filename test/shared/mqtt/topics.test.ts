import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TOPIC_PREFIX,
  TOPIC_DELIVERY,
  deviceMayPublish,
  deviceMaySubscribe,
  parseTopic,
  topicPrefixProblem,
  topicScheme,
} from '../../../shared/src/mqtt/topics.ts';

const me = { site: 'dublin-plant-2', device: 'orin-07' };

describe('topic builder', () => {
  const t = topicScheme();

  it('builds the four topics of the design under pretag/v1', () => {
    expect(DEFAULT_TOPIC_PREFIX).toBe('pretag/v1');
    expect(t.frame('dublin-plant-2', 'orin-07', 'dock-door-3')).toBe(
      'pretag/v1/dublin-plant-2/orin-07/dock-door-3/frame',
    );
    expect(t.status(me)).toBe('pretag/v1/dublin-plant-2/orin-07/status');
    expect(t.stats(me)).toBe('pretag/v1/dublin-plant-2/orin-07/stats');
    expect(t.config(me)).toBe('pretag/v1/dublin-plant-2/orin-07/config');
  });

  it('gives the hub wildcard filters that cover every site and device', () => {
    expect(t.hubFilters).toEqual({
      frame: 'pretag/v1/+/+/+/frame',
      status: 'pretag/v1/+/+/status',
      stats: 'pretag/v1/+/+/stats',
    });
  });

  it('uses the QoS and retain flags of the contract table', () => {
    expect(TOPIC_DELIVERY.frame).toEqual({ qos: 1, retain: false });
    expect(TOPIC_DELIVERY.status).toEqual({ qos: 1, retain: true });
    expect(TOPIC_DELIVERY.stats).toEqual({ qos: 0, retain: false });
    expect(TOPIC_DELIVERY.config).toEqual({ qos: 1, retain: true });
  });

  it('accepts a custom multi-level prefix', () => {
    const acme = topicScheme('acme/prod/pretag');
    const topic = acme.frame('s1', 'd1', 'c1');
    expect(topic).toBe('acme/prod/pretag/s1/d1/c1/frame');
    expect(acme.parse(topic)).toEqual({
      ok: true,
      topic: { kind: 'frame', site: 's1', device: 'd1', camera: 'c1' },
    });
    // The same topic is not under the default prefix.
    expect(parseTopic(topic).ok).toBe(false);
  });

  it.each([
    ['site', () => t.status({ site: 'a/b', device: 'd' }), /site id "a\/b" contains/],
    ['device', () => t.stats({ site: 's', device: '+' }), /device id "\+" contains/],
    ['camera', () => t.frame('s', 'd', 'cam#1'), /camera id "cam#1" contains/],
    ['NUL', () => t.frame('s', 'd', 'c\0'), /contains/],
    ['over-long', () => t.config({ site: 'x'.repeat(65), device: 'd' }), /longer than 64/],
    ['empty', () => t.frame('', 'd', 'c'), /site id "" is empty/],
  ])('refuses to build a topic with a bad %s id', (_what, build, message) => {
    expect(build).toThrow(message);
  });

  it.each([
    ['', /is empty/],
    ['pretag/', /empty level/],
    ['/pretag', /empty level/],
    ['pretag//v1', /empty level/],
    ['pretag/+', /wildcard/],
    ['pretag/#', /wildcard/],
    ['pre\0tag', /NUL/],
    ['$SYS/pretag', /reserved/],
    ['prétag/v1', /may use only/],
    ['pretag v1', /may use only/],
    ['p'.repeat(129), /longer than 128/],
  ])('refuses the prefix %j', (prefix, message) => {
    expect(topicPrefixProblem(prefix)).toMatch(message);
    expect(() => topicScheme(prefix)).toThrow(message);
    expect(parseTopic('pretag/v1/s/d/status', prefix)).toMatchObject({ ok: false });
  });
});

describe('topic parser', () => {
  it('parses each valid topic kind', () => {
    expect(parseTopic('pretag/v1/dublin-plant-2/orin-07/dock-door-3/frame')).toEqual({
      ok: true,
      topic: { kind: 'frame', site: 'dublin-plant-2', device: 'orin-07', camera: 'dock-door-3' },
    });
    for (const kind of ['status', 'stats', 'config'] as const)
      expect(parseTopic(`pretag/v1/dublin-plant-2/orin-07/${kind}`)).toEqual({
        ok: true,
        topic: { kind, site: 'dublin-plant-2', device: 'orin-07' },
      });
  });

  // Each row: a hostile or malformed topic and a fragment of the reason it must give.
  const hostile: [string, unknown, RegExp][] = [
    ['single-level wildcard as site', 'pretag/v1/+/orin-07/status', /wildcard/],
    ['multi-level wildcard', 'pretag/v1/#', /wildcard/],
    ['wildcard as camera', 'pretag/v1/s/d/+/frame', /wildcard/],
    ['wildcard inside a level', 'pretag/v1/s/d/cam+1/frame', /wildcard/],
    ['NUL in a level', 'pretag/v1/s/d\0/status', /NUL/],
    ['missing level', 'pretag/v1/s/status', /levels after the prefix/],
    ['extra level', 'pretag/v1/s/d/c/x/frame', /levels after the prefix/],
    ['empty site level', 'pretag/v1//d/status', /site id is empty/],
    ['empty camera level', 'pretag/v1/s/d//frame', /camera id is empty/],
    ['trailing slash', 'pretag/v1/s/d/status/', /unknown camera topic/],
    ['leading slash', '/pretag/v1/s/d/status', /not under/],
    ['other prefix', 'pretag/v2/s/d/status', /not under/],
    ['prefix without separator', 'pretag/v1s/d/x/status', /not under/],
    ['prefix only', 'pretag/v1', /not under/],
    ['empty topic', '', /not under/],
    ['unknown device kind', 'pretag/v1/s/d/reboot', /unknown device topic/],
    ['unknown camera kind', 'pretag/v1/s/d/c/status', /unknown camera topic/],
    ['kind in wrong case', 'pretag/v1/s/d/STATUS', /unknown device topic/],
    ['dot-dot id', 'pretag/v1/../d/status', /site id contains '\.\.'/],
    ['fullwidth solidus (U+FF0F)', 'pretag/v1/s\uFF0Fx/d/status', /site id may use only/],
    ['division slash (U+2215)', 'pretag/v1/s\u2215x/d/status', /site id may use only/],
    ['zero-width space', 'pretag/v1/s\u200B/d/status', /site id may use only/],
    ['Cyrillic look-alike', 'pretag/v1/s/оrin-07/status', /device id may use only/],
    ['combining accent', 'pretag/v1/s/d/cafe\u0301/frame', /camera id may use only/],
    ['space in id', 'pretag/v1/my site/d/status', /site id may use only/],
    ['id over 64 characters', `pretag/v1/${'a'.repeat(65)}/d/status`, /longer than 64/],
    ['64 KiB topic', `pretag/v1/${'a/'.repeat(32 * 1024)}status`, /longer than/],
    ['not a string', 42, /not a string/],
    ['undefined', undefined, /not a string/],
  ];

  it.each(hostile)('refuses %s with a reason', (_name, topic, reason) => {
    const r = parseTopic(topic);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('gives a short reason even for a 64 KiB topic', () => {
    const r = parseTopic(`pretag/v1/${'x'.repeat(65_536)}/d/status`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.length).toBeLessThan(100);
  });
});

describe('broker ACL for devices', () => {
  const t = topicScheme();

  it('lets a device publish frames, status and stats under its own site and device', () => {
    expect(deviceMayPublish(t.frame(me.site, me.device, 'dock-door-3'), me)).toBe(true);
    expect(deviceMayPublish(t.status(me), me)).toBe(true);
    expect(deviceMayPublish(t.stats(me), me)).toBe(true);
  });

  it.each([
    ['another device', 'pretag/v1/dublin-plant-2/orin-08/status'],
    ['another site', 'pretag/v1/cork-1/orin-07/status'],
    ['its own config topic (hub → edge only)', 'pretag/v1/dublin-plant-2/orin-07/config'],
    ['a wildcard', 'pretag/v1/dublin-plant-2/+/status'],
    ['outside the prefix', 'other/dublin-plant-2/orin-07/status'],
    ['a broker system topic', '$SYS/broker/clients'],
  ])('refuses publishing to %s', (_what, topic) => {
    expect(deviceMayPublish(topic, me)).toBe(false);
  });

  it('lets a device subscribe to its own config topic only', () => {
    expect(deviceMaySubscribe('pretag/v1/dublin-plant-2/orin-07/config', me)).toBe(true);
  });

  it.each([
    ["another device's config", 'pretag/v1/dublin-plant-2/orin-08/config'],
    ['its own status', 'pretag/v1/dublin-plant-2/orin-07/status'],
    ['a + wildcard over its config', 'pretag/v1/dublin-plant-2/+/config'],
    ['a # wildcard', 'pretag/v1/dublin-plant-2/orin-07/#'],
    ['everything', '#'],
    ['a shared subscription', '$share/g/pretag/v1/dublin-plant-2/orin-07/config'],
  ])('refuses subscribing to %s', (_what, filter) => {
    expect(deviceMaySubscribe(filter, me)).toBe(false);
  });

  it('honours a custom prefix', () => {
    expect(deviceMayPublish('acme/s/d/status', { site: 's', device: 'd' }, 'acme')).toBe(true);
    expect(deviceMayPublish('pretag/v1/s/d/status', { site: 's', device: 'd' }, 'acme')).toBe(
      false,
    );
  });
});
