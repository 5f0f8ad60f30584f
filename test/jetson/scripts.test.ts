// The jetson/ scripts without a Jetson: shellcheck, dry runs that name every step and change
// nothing, the errors an installer meets (missing bundle, not a bundle, wrong JetPack, unknown
// power mode), the TensorRT engine cache key, and the liveness check against real HTTP servers.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDir, pretag } from '../cloud-hub/hub/helpers.ts';
import type { HubDir } from '../cloud-hub/hub/helpers.ts';
import { freePort } from '../helpers/free-port.ts';
import { repoRoot } from '../helpers/media.ts';
import { haveTool, jetsonDir, makeRoot, run, script, steps, treeDigest } from './helpers.ts';

const PROVISION_STEPS = [
  'preflight: bundle, machine, JetPack, tools, checkout',
  'system user pretag (groups: pretag, video)',
  'folders: config /etc/pretag, state /var/lib/pretag (spool, engine cache), /opt/pretag',
  /^Node\.js 24\.\d+\.\d+ \((arm64|x64)\) and npm \d+\.\d+\.\d+ from the npm registry$/,
  /^edge release 0\.1\.0-[0-9a-f]{12}: sources, models, production dependencies of the edge workspace$/,
  /^activate release 0\.1\.0-[0-9a-f]{12} \(\/opt\/pretag\/current\)$/,
  'device config: /etc/pretag/credentials.json (0600) and /etc/pretag/edge.yaml (0640), owned by pretag',
  'TensorRT engine for the INT8 model (keyed by model hash and TensorRT version)',
  /^systemd units: pretag-edge \(hardened\), TensorRT engine, liveness timer/,
  /^power: nvpmodel .*, jetson_clocks (on|off)$/,
  'check in with the hub (MQTT login as the device; hub API /healthz when blobs go to the hub)',
  'start pretag-edge.service and wait for /healthz',
];

const shellScripts = (): string[] => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.sh')) out.push(p);
    }
  };
  walk(jetsonDir);
  return out.sort();
};

describe.skipIf(!haveTool('shellcheck', 'the shell scripts are not linted'))('shellcheck', () => {
  it('every jetson/ script is clean, following the files it sources', async () => {
    const files = shellScripts();
    expect(files.map((f) => path.relative(jetsonDir, f))).toEqual(
      expect.arrayContaining([
        'provision.sh',
        'update.sh',
        'trt-engine.sh',
        'build-ort-trt.sh',
        'lib/common.sh',
        'lib/release.sh',
        'lib/units.sh',
        'lib/healthcheck.sh',
      ]),
    );
    const r = await run('shellcheck', ['-x', '--severity=style', ...files], { cwd: jetsonDir });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('provision.sh', () => {
  let hub: HubDir;
  let bundle: string;
  const roots: string[] = [];
  const root = () => {
    const r = makeRoot();
    roots.push(r);
    return r;
  };

  beforeAll(async () => {
    hub = await hubDir();
    bundle = path.join(hub.dir, 'bundle.json');
    const r = await pretag([
      'hub',
      'device',
      'add',
      'dublin-plant-2',
      'orin-07',
      '--config',
      hub.configFile,
      '-o',
      bundle,
    ]);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => {
    hub.remove();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it('--help says how to use it', async () => {
    const r = await run(script('provision.sh'), ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--bundle FILE');
    expect(r.stdout).toContain('--dry-run');
    expect(r.stdout).toContain('--root DIR');
  });

  it('a dry run into a root names every step in order and changes nothing there', async () => {
    const dir = root();
    const before = treeDigest(dir);
    const r = await run(script('provision.sh'), [
      '--bundle',
      bundle,
      '--root',
      dir,
      '--test-host',
      '--dry-run',
      '--jetson-clocks',
      'on',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = steps(r.stdout);
    expect(s).toHaveLength(PROVISION_STEPS.length);
    PROVISION_STEPS.forEach((want, i) =>
      typeof want === 'string' ? expect(s[i]).toBe(want) : expect(s[i]).toMatch(want),
    );
    // Every step is a dry run, and the concrete actions are spelled out.
    expect(r.stdout.match(/^\[\d\d\] .* \(dry run\)$/gm)).toHaveLength(PROVISION_STEPS.length);
    expect(r.stdout).toMatch(/done \(dry run\)\n$/);
    expect(r.stdout).toContain('bundle: device orin-07 at site dublin-plant-2');
    expect(r.stdout).toContain('would run: useradd');
    expect(r.stdout).toContain('would run: npm ci -w edge-agent --omit=dev');
    expect(r.stdout).toContain('would write /etc/systemd/system/pretag-edge.service');
    expect(r.stdout).toContain('would write /etc/systemd/system/pretag-jetson-clocks.service');
    expect(r.stdout).toContain(`would run: systemctl --root=${dir} enable pretag-edge.service`);
    expect(r.stdout).toContain('check-in.js /etc/pretag/credentials.json');
    expect(treeDigest(dir)).toBe(before);
  });

  it('a dry run on a machine that is not a Jetson still shows every step, then exits 3 with why', async () => {
    const r = await run(script('provision.sh'), ['--bundle', bundle, '--dry-run']);
    expect(r.code).toBe(3);
    expect(steps(r.stdout)).toHaveLength(PROVISION_STEPS.length);
    // This machine is either not aarch64 or has no L4T release file (CI is x86-64).
    expect(r.stderr).toMatch(/wrong architecture|not a Jetson: \/etc\/nv_tegra_release is missing/);
    expect(r.stdout).toMatch(/problem\(s\) above would stop a real run/);
  });

  it('refuses a missing bundle, a file that is not a bundle, and no bundle at all', async () => {
    const dir = root();
    const missing = await run(script('provision.sh'), [
      '--bundle',
      '/nonexistent/bundle.json',
      '--root',
      dir,
      '--test-host',
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('bundle /nonexistent/bundle.json not found or not readable');
    const notBundle = path.join(dir, 'hub.yaml');
    writeFileSync(notBundle, readFileSync(hub.configFile));
    const wrong = await run(script('provision.sh'), [
      '--bundle',
      notBundle,
      '--root',
      dir,
      '--test-host',
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('is not a device bundle');
    const none = await run(script('provision.sh'), ['--root', dir]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--bundle FILE is required');
    const typo = await run(script('provision.sh'), ['--bundle', bundle, '--jetson-clocks', 'yes']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("--jetson-clocks takes on or off, got 'yes'");
    // Nothing was installed by the refused runs.
    expect(readdirSync(path.join(dir, 'etc')).sort()).toEqual([
      'group',
      'gshadow',
      'passwd',
      'shadow',
    ]);
  });

  it('names an unsupported JetPack and reads power modes by name from the root nvpmodel.conf', async () => {
    const dir = root();
    writeFileSync(
      path.join(dir, 'etc/nv_tegra_release'),
      '# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI: aarch64, DATE: Tue Aug  1 19:57:35 UTC 2023\n',
    );
    writeFileSync(
      path.join(dir, 'etc/nvpmodel.conf'),
      '< POWER_MODEL ID=0 NAME=15W >\nCPU_ONLINE CORE_0 1\n< POWER_MODEL ID=1 NAME=7W >\nCPU_ONLINE CORE_0 1\n',
    );
    const old = await run(script('provision.sh'), [
      '--bundle',
      bundle,
      '--root',
      dir,
      '--dry-run',
      '--power-mode',
      '7W',
    ]);
    expect(old.code).toBe(3);
    expect(old.stderr).toContain(
      'unsupported JetPack: L4T R35.4.1; pretag needs JetPack 6 (L4T R36.x)',
    );
    expect(old.stdout).toContain('skipped: nvpmodel -m 1 (not the running Jetson)');

    writeFileSync(
      path.join(dir, 'etc/nv_tegra_release'),
      '# R36 (release), REVISION: 4.3, GCID: 38968081, BOARD: generic, EABI: aarch64\n',
    );
    const unknown = await run(script('provision.sh'), [
      '--bundle',
      bundle,
      '--root',
      dir,
      '--dry-run',
      '--power-mode',
      'MAXN',
    ]);
    expect(unknown.stdout).toContain('L4T R36.4.3 (JetPack 6): supported');
    expect(unknown.stderr).toContain("power mode 'MAXN' is not in");
    expect(unknown.stderr).toContain('15W=0 7W=1');
  });
});

describe('trt-engine.sh', () => {
  const model = path.join(repoRoot, 'models/build/nanodet.int8-trt.onnx');
  const haveModel = (() => {
    try {
      readFileSync(model, { flag: 'r' }).subarray(0, 1);
      return true;
    } catch {
      console.warn(`SKIP: ${model} not built (npx pretag models build)`);
      return false;
    }
  })();

  it.skipIf(!haveModel)(
    'keys the engine by the model sha256 and the TensorRT version',
    async () => {
      const sha = createHash('sha256').update(readFileSync(model)).digest('hex').slice(0, 16);
      const a = await run(script('trt-engine.sh'), [
        'key',
        '--model',
        model,
        '--trt-version',
        '10.3.0',
      ]);
      expect(a.stdout.trim()).toBe(`${sha}-trt10.3.0`);
      const b = await run(script('trt-engine.sh'), [
        'key',
        '--model',
        model,
        '--trt-version',
        '10.7.0',
      ]);
      expect(b.stdout.trim()).toBe(`${sha}-trt10.7.0`);

      // Another model (one byte different) gets another folder.
      const dir = path.join(tmpdir(), `pretag-trt-${process.pid}`);
      mkdirSync(dir, { recursive: true });
      const other = path.join(dir, 'other.onnx');
      writeFileSync(other, Buffer.concat([readFileSync(model), Buffer.from([0])]));
      const c = await run(script('trt-engine.sh'), [
        'key',
        '--model',
        other,
        '--trt-version',
        '10.3.0',
      ]);
      expect(c.stdout.trim()).not.toBe(a.stdout.trim());
      rmSync(dir, { recursive: true, force: true });
    },
  );

  it.skipIf(!haveModel)(
    'a dry run prints the trtexec build into the keyed folder and creates nothing',
    async () => {
      const cache = path.join(tmpdir(), `pretag-trt-cache-${process.pid}`);
      mkdirSync(cache, { recursive: true });
      const key = (
        await run(script('trt-engine.sh'), ['key', '--model', model, '--trt-version', '10.3.0'])
      ).stdout.trim();
      const r = await run(script('trt-engine.sh'), [
        'ensure',
        '--model',
        model,
        '--cache',
        cache,
        '--trt-version',
        '10.3.0',
        '--trtexec',
        '/bin/true',
        '--dry-run',
      ]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(
        `would run: /bin/true --onnx=${model} --int8 --fp16 --saveEngine=${cache}/${key}/nanodet.int8-trt.engine.tmp`,
      );
      expect(r.stdout).toContain(`would point ${cache}/current -> ${key}`);
      expect(readdirSync(cache)).toEqual([]);
      const status = await run(script('trt-engine.sh'), [
        'status',
        '--model',
        model,
        '--cache',
        cache,
        '--trt-version',
        '10.3.0',
      ]);
      expect(status.code).toBe(1);
      expect(status.stdout).toContain('needs a build');
      rmSync(cache, { recursive: true, force: true });
    },
  );

  const haveTrt = spawnSync('sh', ['-c', 'command -v trtexec']).status === 0;
  it.skipIf(haveTrt)(
    'without TensorRT: --if-available says the agent falls back and exits 0; without it, an error',
    async () => {
      const ok = await run(
        script('trt-engine.sh'),
        ['ensure', '--model', model, '--cache', tmpdir(), '--if-available'],
        {
          env: { PATH: '/usr/bin:/bin' },
        },
      );
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('the agent runs on CUDA, else CPU');
      const strict = await run(
        script('trt-engine.sh'),
        ['ensure', '--model', model, '--cache', tmpdir()],
        {
          env: { PATH: '/usr/bin:/bin' },
        },
      );
      expect(strict.code).toBe(1);
      expect(strict.stderr).toContain('no TensorRT on this machine');
      const noModel = await run(script('trt-engine.sh'), ['key', '--model', '/nonexistent.onnx']);
      expect(noModel.code).toBe(1);
      expect(noModel.stderr).toContain('model /nonexistent.onnx not found');
    },
  );
});

describe('build-ort-trt.sh', () => {
  it('a dry run shows the onnxruntime build with TensorRT, CUDA and the Node binding for JetPack 6', async () => {
    const r = await run(script('build-ort-trt.sh'), ['--dry-run']);
    // This machine lacks the Jetson prerequisites: the dry run says so and exits 3.
    expect([0, 3]).toContain(r.code);
    const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    const ort = lock.packages['node_modules/onnxruntime-node']?.version;
    expect(r.stdout).toContain(`--branch v${ort} `);
    for (const flag of [
      '--use_tensorrt --tensorrt_home /usr/lib/aarch64-linux-gnu',
      '--use_cuda --cuda_home /usr/local/cuda --cudnn_home /usr/lib/aarch64-linux-gnu',
      '--build_nodejs',
      'CMAKE_CUDA_ARCHITECTURES=87',
    ])
      expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain(`/opt/pretag/ort-trt/${ort}/bin/napi-v6/linux/arm64`);
  });
});

describe('update.sh', () => {
  it('refuses a root that was never provisioned', async () => {
    const dir = makeRoot();
    const r = await run(script('update.sh'), ['rollback', '--root', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('provision the device first with jetson/provision.sh');
    const bad = await run(script('update.sh'), ['sideways']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected upgrade, rollback or status');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('lib/healthcheck.sh (the liveness check standing in for WatchdogSec)', () => {
  const check = (url: string, state: string) =>
    run(script('lib/healthcheck.sh'), [
      '--url',
      url,
      '--unit',
      'pretag-edge.service',
      '--state',
      state,
      '--failures',
      '3',
      '--dry-run',
    ]);

  it('restarts only after three probes in a row without any answer; a 503 counts as alive', async () => {
    const state = path.join(tmpdir(), `pretag-health-${process.pid}`);
    rmSync(state, { force: true });
    // A closed port: no answer at all. Not a bind(0) port closed again: the 503 server below, or
    // a parallel test's, could be handed it while the probes still count on nothing being there.
    const dead = `http://127.0.0.1:${await freePort()}/healthz`;

    const first = await check(dead, state);
    expect(first.stderr).toContain('did not answer (1/3)');
    expect(first.stdout).not.toContain('restart');
    const second = await check(dead, state);
    expect(second.stderr).toContain('(2/3)');

    // The agent answers 503 (no camera streaming): alive, the count starts again.
    const server = createServer((_req, res) => res.writeHead(503).end('{"status":"degraded"}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const live = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
    const answered = await check(live, state);
    expect(answered.code).toBe(0);
    expect(answered.stderr).toBe('');
    await new Promise<void>((r) => server.close(() => r()));

    for (const n of [1, 2]) expect((await check(dead, state)).stderr).toContain(`(${n}/3)`);
    const third = await check(dead, state);
    expect(third.stderr).toContain('(3/3)');
    expect(third.stdout).toContain('would run: systemctl restart pretag-edge.service');
    rmSync(state, { force: true });
  });
});
