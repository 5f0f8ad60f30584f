// The credentials file the agent's uplink reads (the bundle `pretag hub device add` prints):
// bad files give errors naming the file and the key; a file others can read is warned about.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@pretag/shared/config/load';
import type { EdgeConfig } from '@pretag/shared/config/edge-schema';
import { createLogger } from '@pretag/shared/log/logger';
import { Spool } from '../../edge-agent/src/spool/index.ts';
import { loadCredentials, startUplink } from '../../edge-agent/src/uplink/index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'pretag-creds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Written by hand in the bundle format (cloud-hub/src/hub/bundle.ts).
const good = {
  site: 'plant-1',
  device: 'orin-1',
  mqtt: { url: 'mqtt://127.0.0.1:1', username: 'dev-orin-1', password: 's3cret' },
  blob: { url: 'http://127.0.0.1:1' },
  apiToken: 'dev-orin-1:s3cret',
  prefix: 'pretag/v1',
  edgeYaml: '',
};

function write(name: string, body: unknown, mode = 0o600): string {
  const f = path.join(dir, name);
  writeFileSync(f, typeof body === 'string' ? body : JSON.stringify(body));
  chmodSync(f, mode);
  return f;
}

function edgeConfig(extra: string): EdgeConfig {
  const r = parseConfig(
    `site: plant-1\ndevice: orin-1\n${extra}\ncameras:\n  c1: { url: /tmp/x.mp4 }\nspool: { dir: ${path.join(dir, 'spool')} }\n`,
    'edge.yaml',
    'edge',
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

describe('credentials file', () => {
  it('a good bundle with mode 0600 loads without a warning', () => {
    const r = loadCredentials(write('good.json', good));
    expect(r.credentials.mqtt.username).toBe('dev-orin-1');
    expect(r.warning).toBeUndefined();
  });

  it('a bundle readable by others loads, with a warning giving the mode', () => {
    const f = write('open.json', good, 0o644);
    const r = loadCredentials(f);
    expect(r.credentials.device).toBe('orin-1');
    expect(r.warning).toContain(f);
    expect(r.warning).toContain('0644');
  });

  it('a missing file names the file', () => {
    const f = path.join(dir, 'absent.json');
    expect(() => loadCredentials(f)).toThrow(`credentials file ${f}: cannot read it (ENOENT)`);
  });

  it('not JSON: names the file', () => {
    const f = write('yaml.json', 'site: plant-1\n');
    expect(() => loadCredentials(f)).toThrow(`credentials file ${f}: not valid JSON`);
  });

  it('a missing or malformed key is named', () => {
    const { password: _p, ...mqtt } = good.mqtt;
    const f = write('bad.json', { ...good, mqtt, apiToken: 'no-colon' });
    let message = '';
    try {
      loadCredentials(f);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(f);
    expect(message).toContain('mqtt.password:');
    expect(message).toContain('apiToken: must be "username:password"');
  });

  it('a bundle for another device is refused before anything connects', () => {
    const f = write('other.json', { ...good, device: 'orin-2' });
    const config = edgeConfig(
      `hub: { mqtt: mqtt://127.0.0.1:1, blob: { hub: { url: http://127.0.0.1:1 } }, credentials: ${f} }`,
    );
    const spool = Spool.open({ dir: path.join(dir, 'spool'), maxBytes: 1e6, maxAgeS: 60 });
    try {
      expect(() =>
        startUplink({
          config: () => config,
          spool,
          logger: createLogger({ name: 't', level: 'silent' }),
        }),
      ).toThrow(`credentials file ${f} is for orin-2@plant-1, but edge.yaml says device orin-1`);
    } finally {
      void spool.close();
    }
  });

  it('blob: azure without a SAS URL or connection string says what to set', () => {
    const f = write('azure.json', { ...good, blob: { azure: true } });
    const config = edgeConfig(`hub: { mqtt: mqtt://127.0.0.1:1, blob: azure, credentials: ${f} }`);
    const spool = Spool.open({ dir: path.join(dir, 'spool'), maxBytes: 1e6, maxAgeS: 60 });
    try {
      expect(() =>
        startUplink({
          config: () => config,
          spool,
          logger: createLogger({ name: 't', level: 'silent' }),
        }),
      ).toThrow('edge.yaml hub.blob.azure: set sas_url or connection_string');
    } finally {
      void spool.close();
    }
  });
});
