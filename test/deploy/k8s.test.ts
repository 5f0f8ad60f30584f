// deploy/k8s: every manifest validated against the Kubernetes OpenAPI schemas (kubernetes-models
// from npm), rendered by kubectl's built-in kustomize where kubectl is installed, and checked
// against the hub: hub.yaml (the ConfigMap, mounted as is) loads with the real config loader,
// ports, probe paths, secret files, broker address and CLI commands all agree.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from 'kubernetes-models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfigFile } from '@pretag/shared/config/load';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import { hubFileSchema } from '@pretag/shared/config/hub-schema';
import { startHub } from '../../cloud-hub/src/hub/run-hub.ts';
import type { RunningHub } from '../../cloud-hub/src/hub/run-hub.ts';
import { hubDir } from '../cloud-hub/hub/helpers.ts';
import type { HubDir } from '../cloud-hub/hub/helpers.ts';
import { cliProblem, deployFile, readYaml, yamlDocs } from './helpers.ts';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [k: string]: unknown;
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
  livenessProbe?: { httpGet?: { path: string; port: string } };
  readinessProbe?: { httpGet?: { path: string; port: string } };
  startupProbe?: { httpGet?: { path: string; port: string } };
}
interface PodSpec {
  initContainers?: Container[];
  containers: Container[];
  volumes?: {
    name: string;
    secret?: { secretName: string; items?: { key: string; path: string }[] };
    configMap?: { name: string };
  }[];
}
interface Workload extends Obj {
  spec: {
    replicas?: number;
    serviceName?: string;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: PodSpec;
    };
  };
}
interface Service extends Obj {
  spec: {
    clusterIP?: string;
    selector: Record<string, string>;
    ports: { name: string; port: number; targetPort: string }[];
  };
}

const kustomization = readYaml('k8s/kustomization.yaml') as {
  resources: string[];
  configMapGenerator: { name: string; files: string[] }[];
  images: { name: string; newName: string; newTag: string }[];
  namespace: string;
};
const objects: Obj[] = kustomization.resources.flatMap(
  (f) => yamlDocs(readFileSync(deployFile(`k8s/${f}`), 'utf8'), f) as Obj[],
);
const find = <T extends Obj>(kind: string, name: string): T => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return o as T;
};
const hubSet = find<Workload>('StatefulSet', 'pretag-hub');
const workers = find<Workload>('Deployment', 'pretag-worker');
const emqx = find<Workload>('StatefulSet', 'emqx');
const hubContainer = hubSet.spec.template.spec.containers[0] as Container;
const workerContainer = workers.spec.template.spec.containers[0] as Container;
const secretData = (name: string): Record<string, string> =>
  find<Obj & { stringData: Record<string, string> }>('Secret', name).stringData;
const generated = (name: string, file: string): string => {
  const gen = kustomization.configMapGenerator.find((g) => g.name === name);
  const entry = gen?.files.find((f) => f.startsWith(`${file}=`));
  if (!entry) throw new Error(`configMapGenerator ${name} has no ${file}`);
  return readFileSync(deployFile(`k8s/${entry.split('=')[1]}`), 'utf8');
};

type ModelClass = new (data: unknown) => { validate(): void };
const MODELS: Record<string, Record<string, unknown>> = {
  v1: k8s.v1,
  'apps/v1': k8s.apps.v1,
  'autoscaling/v2': k8s.autoscaling.v2,
};
function schemaProblem(o: Obj): string | undefined {
  const Model = MODELS[o.apiVersion]?.[o.kind] as ModelClass | undefined;
  if (!Model) return `no schema for ${o.apiVersion} ${o.kind}`;
  try {
    new Model(o).validate();
    return undefined;
  } catch (err) {
    return `${o.kind} ${o.metadata.name}: ${(err as Error).message}`;
  }
}

const configMount = (c: Container): string =>
  c.volumeMounts?.find((m) => m.name === 'config')?.mountPath ?? '';

describe('deploy/k8s manifests', () => {
  let dir: string;
  let config: HubConfig;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pretag-k8s-'));
    const file = path.join(dir, 'hub.yaml');
    writeFileSync(file, generated('pretag-hub-config', 'hub.yaml'));
    const loaded = loadConfigFile(file, 'hub');
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    config = loaded.config;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are valid against the Kubernetes API schemas', () => {
    expect(objects.length).toBeGreaterThanOrEqual(12);
    expect(objects.map(schemaProblem).filter(Boolean)).toEqual([]);
  });

  it('the schema check catches a bad value and names it', () => {
    const bad = structuredClone<Workload>(workers);
    (bad.spec as { replicas: unknown }).replicas = 'two';
    expect(schemaProblem(bad)).toMatch(/replicas.*integer|integer.*replicas/i);
  });

  it('mount hub.yaml from the ConfigMap as is: no init container, no ${VAR} placeholders', () => {
    const text = generated('pretag-hub-config', 'hub.yaml');
    expect(text).not.toMatch(/\$\{/);
    expect(config.mqtt.external?.share_group).toBe('pretag-detectors');
    for (const w of [hubSet, workers]) {
      expect(w.spec.template.spec.initContainers, w.metadata.name).toBeUndefined();
      const v = w.spec.template.spec.volumes?.find((x) => x.name === 'config');
      expect(v?.configMap?.name, w.metadata.name).toBe('pretag-hub-config');
    }
  });

  it('give the hub and the workers the Azure connection string file hub.yaml names', () => {
    const file = config.blob.azure?.connection_string_file ?? '';
    expect(config.blob.azure?.connection_string).toBeUndefined();
    expect(path.isAbsolute(file)).toBe(true);
    const key = path.basename(file);
    expect(Object.keys(secretData('pretag-azure-blob'))).toContain(key);
    for (const w of [hubSet, workers]) {
      const spec = w.spec.template.spec;
      const c = spec.containers[0] as Container;
      const vol = spec.volumes?.find((v) => v.secret?.secretName === 'pretag-azure-blob');
      expect(vol, w.metadata.name).toBeDefined();
      const mount = c.volumeMounts?.find((m) => m.name === vol?.name);
      expect(mount?.mountPath, w.metadata.name).toBe(path.dirname(file));
      const items = vol?.secret?.items;
      if (items) expect(items).toContainEqual({ key, path: key });
    }
  });

  it('run CLI commands that exist, on the mounted hub.yaml', async () => {
    for (const [c, verb] of [
      [hubContainer, 'run'],
      [workerContainer, 'worker'],
    ] as const) {
      const args = c.args ?? [];
      expect(args.slice(0, 2)).toEqual(['hub', verb]);
      expect(await cliProblem(args)).toBeUndefined();
      expect(args[args.indexOf('--config') + 1]).toBe(`${configMount(c)}/hub.yaml`);
    }
  });

  it('serve, probe and scrape the hub on hub.yaml listen.port', () => {
    const port = config.listen.port;
    expect(hubContainer.ports).toEqual([{ name: 'http', containerPort: port }]);
    const svc = find<Service>('Service', 'pretag-hub');
    expect(svc.spec.ports[0]?.targetPort).toBe('http');
    expect(svc.spec.selector).toEqual(hubSet.spec.template.metadata.labels);
    const ann = hubSet.spec.template.metadata.annotations ?? {};
    expect(ann['prometheus.io/scrape']).toBe('true');
    expect(ann['prometheus.io/port']).toBe(String(port));
    expect(ann['prometheus.io/path']).toBe('/metrics');
    expect(hubContainer.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(hubContainer.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  it('keep one hub (SQLite has one writer) on a volume at storage.dir', () => {
    expect(hubSet.spec.replicas).toBe(1);
    expect(hubContainer.volumeMounts).toContainEqual({
      name: 'data',
      mountPath: config.storage.dir,
    });
    const headless = find<Service>('Service', hubSet.spec.serviceName ?? '');
    expect(headless.spec.clusterIP).toBe('None');
  });

  it('give the hub and the workers the secret files hub.yaml names', () => {
    const dirOf = (c: Container) =>
      c.volumeMounts?.find((m) => m.name === 'hub-secrets')?.mountPath ?? '';
    const password = config.mqtt.external?.password_file ?? '';
    const tokens = config.auth.tokens_file ?? '';
    const keys = Object.keys(secretData('pretag-hub-secrets'));
    for (const f of [password, tokens]) {
      expect(path.dirname(f)).toBe(dirOf(hubContainer));
      expect(keys).toContain(path.basename(f));
    }
    // Workers sign in as their own broker user, from their own Secret; the hub's never reaches them.
    const env = new Map((workerContainer.env ?? []).map((e) => [e.name, e.value ?? '']));
    expect(env.get('PRETAG_WORKER_MQTT_USERNAME')).toBe('pretag-worker');
    const workerPassword = env.get('PRETAG_WORKER_MQTT_PASSWORD_FILE') ?? '';
    const vols = workers.spec.template.spec.volumes ?? [];
    const mount = workerContainer.volumeMounts?.find(
      (m) => m.mountPath === path.dirname(workerPassword),
    );
    const vol = vols.find((v) => v.name === mount?.name);
    expect(vol?.secret?.secretName).toBe('pretag-worker-secrets');
    expect(Object.keys(secretData('pretag-worker-secrets'))).toEqual([
      path.basename(workerPassword),
    ]);
    expect(vols.map((v) => v.secret?.secretName)).not.toContain('pretag-hub-secrets');
  });

  it('reference only Secrets and ConfigMaps that exist (emqx-tls is made by the operator, as documented)', () => {
    const secrets = new Set(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name));
    const maps = new Set(kustomization.configMapGenerator.map((g) => g.name));
    const refs = [hubSet, workers, emqx].flatMap((w) => {
      const spec = w.spec.template.spec;
      const cs = [...(spec.initContainers ?? []), ...spec.containers];
      return [
        ...(spec.volumes ?? []).flatMap((v) => [
          ...(v.secret ? [`Secret ${v.secret.secretName}`] : []),
          ...(v.configMap ? [`ConfigMap ${v.configMap.name}`] : []),
        ]),
        ...cs.flatMap((c) =>
          (c.env ?? []).flatMap((e) =>
            e.valueFrom?.secretKeyRef ? [`Secret ${e.valueFrom.secretKeyRef.name}`] : [],
          ),
        ),
      ];
    });
    const missing = [...new Set(refs)].filter((r) => {
      const [kind, name = ''] = r.split(' ');
      return kind === 'Secret' ? !secrets.has(name) : !maps.has(name);
    });
    expect(missing).toEqual(['Secret emqx-tls']);
    expect(readFileSync(deployFile('k8s/secrets.yaml'), 'utf8')).toContain(
      'create secret tls emqx-tls',
    );
  });

  it('reach EMQX at the Service and port it listens on, as a user the ACL and user list know', () => {
    const url = new URL(config.mqtt.external?.url ?? '');
    const svc = find<Service>('Service', url.hostname);
    const p = svc.spec.ports.find((x) => x.port === Number(url.port));
    const container = emqx.spec.template.spec.containers[0] as Container;
    const target = container.ports?.find((x) => x.name === p?.targetPort)?.containerPort;
    const conf = generated('emqx-config', 'emqx.conf');
    const bind = /listeners\.tcp\.default \{\s*bind = "0\.0\.0\.0:(\d+)"/.exec(conf)?.[1];
    expect(target).toBe(Number(url.port));
    expect(bind).toBe(url.port);
    expect(svc.spec.selector).toEqual(emqx.spec.template.metadata.labels);
    expect(conf).toMatch(/shared_subscription = true/);
    // Same packet limit as the hub's embedded broker.
    const embeddedMax = hubFileSchema.parse({}).mqtt.embedded?.max_packet_bytes ?? 0;
    expect(Number(/max_packet_size = (\d+)KB/.exec(conf)?.[1]) * 1024).toBe(embeddedMax);
    const user = config.mqtt.external?.username ?? '';
    expect(generated('emqx-config', 'acl.conf')).toContain(
      `{allow, {username, "${user}"}, all, ["${config.mqtt.prefix}/#"]}.`,
    );
    expect(secretData('pretag-mqtt-users')['users.csv']?.split('\n')[0]).toBe(
      'user_id,password,is_superuser',
    );
    expect(secretData('pretag-mqtt-users')['users.csv']).toMatch(new RegExp(`^${user},`, 'm'));
  });

  it("let the workers' user take jobs and read the production detector, and only the hub publish it", () => {
    const acl = generated('emqx-config', 'acl.conf');
    const p = config.mqtt.prefix;
    const g = config.mqtt.external?.share_group ?? '';
    const rules = (action: string) =>
      [
        ...acl.matchAll(
          new RegExp(
            `^\\{allow, \\{username, "pretag-worker"\\}, ${action}, \\[([^\\]]*)\\]\\}\\.$`,
            'gm',
          ),
        ),
      ].flatMap((m) => (m[1] ?? '').split(',').map((t) => t.trim().replaceAll('"', '')));
    expect(rules('subscribe').sort()).toEqual(
      [`$share/${g}/${p}/jobs/detect`, `${p}/jobs/detect`, `${p}/control/detector`].sort(),
    );
    expect(rules('publish').sort()).toEqual([`${p}/jobs/results`, `${p}/workers/+/model`].sort());
    expect(rules('all')).toEqual([]);
    // Only the hub may publish the control: every rule that lets a user publish to a filter
    // covering it (MQTT matching: '+' one level, '#' the rest) is the hub's; all else is denied.
    const covers = (filter: string, topic: string): boolean => {
      const f = filter.split('/');
      const t = topic.split('/');
      for (let i = 0; i < f.length; i++) {
        if (f[i] === '#') return true;
        if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
      }
      return f.length === t.length;
    };
    const publishers = [
      ...acl.matchAll(
        /^\{allow, (\{username, "([^"]+)"\}|all), (publish|all), \[([^\]]*)\]\}\.$/gm,
      ),
    ]
      .filter((m) =>
        (m[4] ?? '')
          .split(',')
          .map((t) => t.trim().replaceAll('"', ''))
          .some((t) => covers(t, `${p}/control/detector`)),
      )
      .map((m) => m[2] ?? 'anyone');
    expect(publishers).toEqual([config.mqtt.external?.username]);
    expect(acl.trim().endsWith('{deny, all}.')).toBe(true);
    expect(secretData('pretag-mqtt-users')['users.csv']).toMatch(/^pretag-worker,/m);
  });

  it('scale the workers with an autoscaler on their Deployment; selectors match the pods', () => {
    const hpa = find<
      Obj & {
        spec: {
          scaleTargetRef: { kind: string; name: string };
          minReplicas: number;
          maxReplicas: number;
        };
      }
    >('HorizontalPodAutoscaler', 'pretag-worker');
    expect(hpa.spec.scaleTargetRef).toMatchObject({
      kind: 'Deployment',
      name: workers.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeLessThan(hpa.spec.maxReplicas);
    for (const w of [hubSet, workers, emqx])
      expect(w.spec.template.metadata.labels).toMatchObject(w.spec.selector.matchLabels);
  });
});

describe('the probe and scrape paths on a running hub', () => {
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

  it('answer 200 at the paths the StatefulSet probes and Prometheus scrapes', async () => {
    const paths = [
      hubContainer.startupProbe?.httpGet?.path,
      hubContainer.livenessProbe?.httpGet?.path,
      hubContainer.readinessProbe?.httpGet?.path,
      hubSet.spec.template.metadata.annotations?.['prometheus.io/path'],
    ];
    for (const p of paths) {
      const res = await fetch(`${hub?.apiUrl ?? ''}${p ?? ''}`);
      expect(res.status, p).toBe(200);
    }
    const metrics = await (await fetch(`${hub?.apiUrl ?? ''}/metrics`)).text();
    expect(metrics).toMatch(/^# TYPE pretag_jobs gauge$/m);
  });
});

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const hasKubectl = !kubectl.error && kubectl.status === 0;
if (!hasKubectl)
  console.warn('SKIP: kubectl is not installed: `kubectl kustomize deploy/k8s` not run');

describe.skipIf(!hasKubectl)('kubectl kustomize deploy/k8s', () => {
  let rendered: Obj[] = [];
  beforeAll(async () => {
    const { stdout } = await promisify(execFile)('kubectl', ['kustomize', deployFile('k8s')], {
      maxBuffer: 16 << 20,
    });
    rendered = yamlDocs(stdout, 'kustomize output') as Obj[];
  });

  it('renders valid objects, all in the pretag namespace, with the image and generated names wired in', () => {
    expect(rendered.length).toBe(objects.length + kustomization.configMapGenerator.length);
    expect(rendered.map(schemaProblem).filter(Boolean)).toEqual([]);
    for (const o of rendered.filter((x) => x.kind !== 'Namespace'))
      expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(kustomization.namespace);
    const maps = rendered.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name);
    const image = `${kustomization.images[0]?.newName}:${kustomization.images[0]?.newTag}`;
    for (const w of rendered.filter(
      (o) => o.kind === 'StatefulSet' || o.kind === 'Deployment',
    ) as Workload[]) {
      const spec = w.spec.template.spec;
      for (const c of [...(spec.initContainers ?? []), ...spec.containers])
        if (c.name !== 'emqx') expect(c.image).toBe(image);
      for (const v of spec.volumes ?? []) if (v.configMap) expect(maps).toContain(v.configMap.name);
    }
    // A hub.yaml edit renames the ConfigMap (hash suffix), so the pods roll with it.
    expect(maps.some((m) => /^pretag-hub-config-[a-z0-9]{10}$/.test(m))).toBe(true);
  });
});
