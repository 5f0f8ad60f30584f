// Pure parts of the hub assembly, checked against hand-worked tables.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '@pretag/shared/config/load';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import { deviceBundle } from '../../../cloud-hub/src/hub/bundle.ts';
import { mergeOverrides } from '../../../cloud-hub/src/hub/device-configs.ts';
import { hubPaths } from '../../../cloud-hub/src/hub/paths.ts';
import { reloadDiff } from '../../../cloud-hub/src/hub/reload.ts';
import { apiBaseUrl, deviceMqttUrl } from '../../../cloud-hub/src/hub/urls.ts';
import { isExpired, retentionCutoff } from '../../../cloud-hub/src/retention/cutoff.ts';

function hub(text: string): HubConfig {
  const r = parseConfig(text, 'hub.yaml', 'hub');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

describe('retention cutoff', () => {
  const now = Date.parse('2026-11-27T12:00:00Z');
  it.each([
    // days, received at, expired? (30 days before now is 2026-10-28T12:00Z)
    [30, '2026-10-28T11:59:59.999Z', true],
    [30, '2026-10-28T12:00:00.000Z', false],
    [30, '2026-11-27T11:00:00.000Z', false],
    [1, '2026-11-26T11:59:59.000Z', true],
    [1, '2026-11-26T12:00:01.000Z', false],
    // A year back, across two daylight-saving changes: still days × 24 h of UTC time.
    [365, '2025-11-27T11:59:59.000Z', true],
    [365, '2025-11-27T12:00:00.000Z', false],
  ] as const)('%i days, received %s → expired %s', (days, at, expired) => {
    expect(isExpired(Date.parse(at), now, days)).toBe(expired);
  });
  it('cutoff is now minus days × 86 400 000 ms', () => {
    expect(retentionCutoff(now, 30)).toBe(Date.parse('2026-10-28T12:00:00Z'));
  });
  it.each([0, -1, 1.5, Number.NaN])('refuses %s days with a clear error', (d) => {
    expect(() => retentionCutoff(now, d)).toThrow(/whole number of at least 1/);
  });
});

describe('hub URLs and paths', () => {
  it.each([
    ['listen: { host: 0.0.0.0, port: 8080 }', 'http://gw-1:8080', 'mqtt://gw-1:1883'],
    [
      'listen: { host: 10.0.0.5, port: 9000 }\nmqtt: { embedded: { host: 10.0.0.5, port: 2883 } }',
      'http://10.0.0.5:9000',
      'mqtt://10.0.0.5:2883',
    ],
    [
      'listen: { port: 8080 }\npublic_url: https://hub.example.com/',
      'https://hub.example.com',
      'mqtt://hub.example.com:1883',
    ],
    [
      'listen: { port: 8080 }\nmqtt: { external: { url: mqtts://emqx.example.com:8883 } }',
      'http://gw-1:8080',
      'mqtts://emqx.example.com:8883',
    ],
  ])('%s', (text, api, mqttUrl) => {
    const c = hub(text);
    expect(apiBaseUrl(c, 'gw-1')).toBe(api);
    expect(deviceMqttUrl(c, 'gw-1')).toBe(mqttUrl);
  });

  it('storage paths resolve against hub.yaml, then storage.dir', () => {
    const c = hub(
      'listen: { port: 8080 }\nstorage: { dir: ./var, db: ledger/hub.db }\nblob: { hub: { dir: jpeg } }',
    );
    expect(hubPaths(c, '/etc/pretag/hub.yaml')).toEqual({
      configDir: '/etc/pretag',
      dataDir: '/etc/pretag/var',
      dbFile: '/etc/pretag/var/ledger/hub.db',
      blobDir: '/etc/pretag/var/jpeg',
    });
  });
});

describe('live reload diff', () => {
  it('cleanup and retention apply live; listen needs a restart', () => {
    const a = hub('listen: { port: 8080 }\ncleanup: { defaults: { min_score: 0.3 } }');
    const b = hub(
      'listen: { port: 8081 }\ncleanup: { defaults: { min_score: 0.5 } }\nretention: { frames_days: 7 }',
    );
    expect(reloadDiff(a, b)).toEqual({
      applied: ['cleanup', 'retention'],
      needRestart: ['listen'],
    });
    expect(reloadDiff(a, a)).toEqual({ applied: [], needRestart: [] });
  });
});

describe('device bundle and config merge', () => {
  it('the bundle carries the API token as user:password and an edge.yaml that names the device', () => {
    const b = deviceBundle({
      site: 's1',
      device: 'd1',
      username: 'd1@s1',
      password: 'pw',
      mqttUrl: 'mqtt://h:1883',
      apiBaseUrl: 'http://h:8080',
      prefix: 'pretag/v1',
    });
    expect(b.apiToken).toBe('d1@s1:pw');
    expect(b.blob).toEqual({ url: 'http://h:8080' });
    expect(b.edgeYaml).toMatch(/hub:\n {2}mqtt: mqtt:\/\/h:1883\n/);
    const r = parseConfig(b.edgeYaml, 'edge.yaml', 'edge');
    expect(r.ok).toBe(true);
  });

  it('a push merges into the camera entry and leaves other cameras alone', () => {
    const current = {
      v: 1 as const,
      site: 's1',
      device: 'd1',
      issuedAt: '2026-11-27T00:00:00Z',
      cameras: { a: { minScore: 0.4, auditRate: 0.02 }, b: { minScore: 0.5 } },
    };
    const next = mergeOverrides(
      current,
      { site: 's1', device: 'd1' },
      'a',
      { minScore: 0.45 },
      'T',
    );
    expect(next).toEqual({
      v: 1,
      site: 's1',
      device: 'd1',
      issuedAt: 'T',
      cameras: { a: { minScore: 0.45, auditRate: 0.02 }, b: { minScore: 0.5 } },
    });
  });
});
