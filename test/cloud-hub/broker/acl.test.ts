import { describe, expect, it } from 'vitest';
import { mayPublish, maySubscribe } from '../../../cloud-hub/src/broker/acl.ts';
import type { Identity } from '../../../cloud-hub/src/broker/acl.ts';

const P = 'pretag/v1';
const hub: Identity = { kind: 'hub' };
const dev: Identity = { kind: 'device', ref: { site: 's1', device: 'd1' } };

describe('broker ACL decisions', () => {
  it.each([
    [dev, 'pretag/v1/s1/d1/cam/frame', true],
    [dev, 'pretag/v1/s1/d1/status', true],
    [dev, 'pretag/v1/s1/d1/stats', true],
    [dev, 'pretag/v1/s1/d1/config', false],
    [dev, 'pretag/v1/s1/d2/status', false],
    [dev, 'pretag/v1/s2/d1/status', false],
    [dev, 'pretag/v2/s1/d1/status', false],
    [hub, 'pretag/v1/s1/d1/config', true],
    [hub, 'pretag/v1', true],
    [hub, 'pretag/v10/s1/d1/config', false],
    [hub, '$SYS/broker/x', false],
    [hub, 'elsewhere', false],
    [undefined, 'pretag/v1/s1/d1/status', false],
  ])('%o publishing to %s: %s', (id, topic, ok) => {
    expect(mayPublish(id, topic, P).ok).toBe(ok);
  });

  it.each([
    [dev, 'pretag/v1/s1/d1/config', true],
    [dev, 'pretag/v1/s1/+/config', false],
    [dev, 'pretag/v1/#', false],
    [dev, '#', false],
    [dev, 'pretag/v1/s1/d1/status', false],
    [hub, 'pretag/v1/+/+/+/frame', true],
    [hub, 'pretag/v1/#', true],
    [hub, '#', false],
    [hub, '+/v1/s1/d1/status', false],
    [hub, '$SYS/#', false],
  ])('%o subscribing to %s: %s', (id, filter, ok) => {
    expect(maySubscribe(id, filter, P).ok).toBe(ok);
  });

  it('says who was refused what', () => {
    expect(mayPublish(dev, 'pretag/v1/s1/d2/status', P)).toEqual({
      ok: false,
      reason: 'device d1@s1 may not publish to "pretag/v1/s1/d2/status"',
    });
  });
});
