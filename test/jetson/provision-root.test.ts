// provision.sh for real, into a throwaway root (no Jetson: --test-host installs this machine's Node
// build and skips the hardware), with a bundle from a real `pretag hub device add` and a running
// hub to check in with. Then a second run (idempotent), a revoked device, and update.sh upgrade
// then rollback with the spool and config left byte-identical.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  accessSync,
  constants,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  existsSync,
  writeFileSync,
  chownSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, hubDir, pretag, pretagBin } from '../cloud-hub/hub/helpers.ts';
import type { HubDir } from '../cloud-hub/hub/helpers.ts';
import { repoRoot } from '../helpers/media.ts';
import {
  accountIn,
  haveTool,
  jetsonDir,
  makeRoot,
  run,
  script,
  steps,
  treeDigest,
} from './helpers.ts';

const lock = readFileSync(path.join(jetsonDir, 'node.lock'), 'utf8');
const NODE_VERSION = /^NODE_VERSION=(\S+)$/m.exec(lock)?.[1] ?? '';
const NPM_VERSION = /^NPM_VERSION=(\S+)$/m.exec(lock)?.[1] ?? '';
const arch = process.arch === 'arm64' ? 'arm64' : 'x64';

/** The registry tarballs node.lock pins, from npm's cache or the registry; why not, if absent. */
function packTarballs(): { dir: string; node: string; npm: string } | string {
  if (process.getuid?.() !== 0)
    return 'needs root (useradd --root and chown into the install root)';
  const dir = mkdtempSync(path.join(tmpdir(), 'pretag-jetson-tgz-'));
  const r = spawnSync(
    'npm',
    [
      'pack',
      `node-linux-${arch}@${NODE_VERSION}`,
      `npm@${NPM_VERSION}`,
      '--pack-destination',
      dir,
      '--prefer-offline',
      '--loglevel=error',
    ],
    { encoding: 'utf8', cwd: dir },
  );
  if (r.status !== 0) return `npm pack of the pinned Node/npm tarballs failed: ${r.stderr.trim()}`;
  return {
    dir,
    node: path.join(dir, `node-linux-${arch}-${NODE_VERSION}.tgz`),
    npm: path.join(dir, `npm-${NPM_VERSION}.tgz`),
  };
}

/**
 * A frozen copy of what a release takes from the checkout, so edits in the working tree while
 * the suite runs do not change the release id between runs.
 */
function copyFile(from: string, to: string): void {
  mkdirSync(path.dirname(to), { recursive: true });
  cpSync(from, to);
}

function snapshotCheckout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pretag-checkout-'));
  const noModules = (p: string) => !p.includes(`${path.sep}node_modules`);
  for (const f of ['package.json', 'package-lock.json', '.npmrc', '.nvmrc'])
    if (existsSync(path.join(repoRoot, f))) cpSync(path.join(repoRoot, f), path.join(dir, f));
  for (const d of readdirSync(repoRoot))
    if (existsSync(path.join(repoRoot, d, 'package.json')) && d !== 'node_modules')
      copyFile(path.join(repoRoot, d, 'package.json'), path.join(dir, d, 'package.json'));
  for (const d of ['shared', 'edge-agent', 'jetson'])
    cpSync(path.join(repoRoot, d), path.join(dir, d), { recursive: true, filter: noModules });
  for (const m of ['nanodet.int8.onnx', 'nanodet.int8-trt.onnx', 'blazeface-back.onnx'])
    copyFile(path.join(repoRoot, 'models/build', m), path.join(dir, 'models/build', m));
  return dir;
}

const tarballs = packTarballs();
if (typeof tarballs === 'string') console.warn(`SKIP: provisioning into a root: ${tarballs}`);
const canVerify = haveTool('systemd-analyze', 'the rendered units are not verified');

describe.skipIf(typeof tarballs === 'string')('provision.sh into a throwaway root', () => {
  const tgz = tarballs as { dir: string; node: string; npm: string };
  let hub: HubDir;
  let hubProcess: ChildProcess;
  let bundle: string;
  let root: string;
  let source: string;
  const r = (p: string) => path.join(root, p);
  const provision = (...extra: string[]) =>
    run(script('provision.sh'), [
      '--bundle',
      bundle,
      '--root',
      root,
      '--test-host',
      '--source',
      source,
      '--node-tarball',
      tgz.node,
      '--npm-tarball',
      tgz.npm,
      ...extra,
    ]);
  const currentRelease = () => path.basename(readlinkSync(r('opt/pretag/current')));

  beforeAll(async () => {
    hub = await hubDir();
    bundle = path.join(hub.dir, 'bundle.json');
    const add = await pretag([
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
    expect(add.code, add.stderr).toBe(0);
    hubProcess = spawn(
      process.execPath,
      [pretagBin, 'hub', 'run', '--no-workers', '--config', hub.configFile],
      { cwd: repoRoot, env: { ...process.env, PRETAG_LOG_LEVEL: 'warn' }, stdio: 'ignore' },
    );
    await eventually('the hub API', async () => {
      try {
        return (await fetch(`http://127.0.0.1:${hub.apiPort}/healthz`)).ok || undefined;
      } catch {
        return undefined;
      }
    });
    root = makeRoot();
    source = snapshotCheckout();
  });

  afterAll(async () => {
    if (hubProcess.exitCode === null) {
      const exited = new Promise((res) => hubProcess.once('close', res));
      hubProcess.kill('SIGTERM');
      await exited;
    }
    hub.remove();
    rmSync(root, { recursive: true, force: true });
    rmSync(tgz.dir, { recursive: true, force: true });
    rmSync(source, { recursive: true, force: true });
  });

  it('installs Node, the edge workspace only, config, user and units, and checks in with the hub', async () => {
    const res = await provision('--jetson-clocks', 'on');
    expect(res.code, res.stderr).toBe(0);
    expect(steps(res.stdout)).toHaveLength(12);
    expect(res.stdout).toContain(
      'checked in: orin-07@dublin-plant-2 accepted by mqtt://127.0.0.1:',
    );

    // The user: a system account (uid below 1000) in group video of the root's own files.
    const pretagUser = accountIn(root, 'pretag');
    expect(pretagUser).toBeDefined();
    const { uid, gid } = pretagUser!;
    expect(uid).toBeLessThan(1000);
    expect(readFileSync(r('etc/group'), 'utf8')).toMatch(/^video:x:44:pretag$/m);

    // Credentials: the bundle byte for byte, readable by the agent only.
    const creds = statSync(r('etc/pretag/credentials.json'));
    expect(creds.mode & 0o777).toBe(0o600);
    expect([creds.uid, creds.gid]).toEqual([uid, gid]);
    expect(readFileSync(r('etc/pretag/credentials.json'), 'utf8')).toBe(
      readFileSync(bundle, 'utf8'),
    );
    const edge = statSync(r('etc/pretag/edge.yaml'));
    expect(edge.mode & 0o777).toBe(0o640);
    expect([edge.uid, edge.gid]).toEqual([uid, gid]);
    const yaml = readFileSync(r('etc/pretag/edge.yaml'), 'utf8');
    expect(yaml).toContain('device: orin-07');
    expect(yaml).toMatch(/^# Written by jetson\/provision.sh from the device bundle/);
    expect(yaml).toContain('engine_cache: /var/lib/pretag/trt-engines/current');
    expect(statSync(r('var/lib/pretag/spool')).uid).toBe(uid);
    expect(statSync(r('etc/pretag')).mode & 0o777).toBe(0o750);

    // The runtime is the Node node.lock pins, and the release's CLI is the edge's only.
    const node = r('opt/pretag/current/node/bin/node');
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' });
    expect(version.stdout.trim()).toBe(`v${NODE_VERSION}`);
    const cli = r('opt/pretag/current/shared/bin/pretag.js');
    const help = spawnSync(node, [cli, '--help'], { encoding: 'utf8' });
    expect(help.stdout).toMatch(/^ {2}edge /m);
    expect(help.stdout).not.toMatch(/^ {2}hub /m);
    const modules = readdirSync(r('opt/pretag/current/node_modules'));
    expect(modules).toEqual(expect.arrayContaining(['mqtt', 'better-sqlite3', 'onnxruntime-node']));
    for (const hubOnly of ['fastify', 'aedes', 'vitest', 'typescript'])
      expect(modules).not.toContain(hubOnly);
    const check = spawnSync(node, [cli, 'config', 'check', r('etc/pretag/edge.yaml')], {
      encoding: 'utf8',
    });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain('camera-1');

    // The unit: hardened, restarting, for the agent's user, and enabled.
    const unit = readFileSync(r('etc/systemd/system/pretag-edge.service'), 'utf8');
    for (const line of [
      'User=pretag',
      'SupplementaryGroups=video',
      'ExecStart=/opt/pretag/current/node/bin/node /opt/pretag/current/shared/bin/pretag.js edge run --config /etc/pretag/edge.yaml',
      'Restart=on-failure',
      'MemoryMax=60%',
      'CPUQuota=400%',
      'ProtectSystem=strict',
      'ReadWritePaths=-/var/lib/pretag/spool -/var/lib/pretag/trt-engines',
      'NoNewPrivileges=yes',
      'PrivateTmp=yes',
      'ProtectHome=yes',
      'DevicePolicy=closed',
      'DeviceAllow=/dev/nvmap rw',
      'DeviceAllow=char-video4linux rw',
    ])
      expect(unit.split('\n')).toContain(line);
    for (const link of [
      'multi-user.target.wants/pretag-edge.service',
      'multi-user.target.wants/pretag-trt-engine.service',
      'multi-user.target.wants/pretag-jetson-clocks.service',
      'timers.target.wants/pretag-edge-healthcheck.timer',
    ])
      // Links as systemctl writes them: absolute paths inside the root's own /etc.
      expect(readlinkSync(r(`etc/systemd/system/${link}`)), link).toBe(
        `/etc/systemd/system/${path.basename(link)}`,
      );
    accessSync(r('opt/pretag/current/jetson/trt-engine.sh'), constants.X_OK);
  }, 300_000);

  it.skipIf(!canVerify)('the rendered units pass systemd-analyze verify', async () => {
    // verify needs the ExecStart binaries to exist: point the paths into the root.
    const dir = mkdtempSync(path.join(tmpdir(), 'pretag-units-'));
    const units = readdirSync(r('etc/systemd/system')).filter((f) => /\.(service|timer)$/.test(f));
    expect(units.sort()).toEqual([
      'pretag-edge-healthcheck.service',
      'pretag-edge-healthcheck.timer',
      'pretag-edge.service',
      'pretag-jetson-clocks.service',
      'pretag-trt-engine.service',
    ]);
    for (const u of units)
      writeFileSync(
        path.join(dir, u),
        readFileSync(r(`etc/systemd/system/${u}`), 'utf8')
          .replaceAll('/opt/pretag/', `${root}/opt/pretag/`)
          .replaceAll('/etc/pretag/', `${root}/etc/pretag/`),
      );
    // jetson_clocks exists only on a Jetson.
    writeFileSync(
      path.join(dir, 'pretag-jetson-clocks.service'),
      readFileSync(path.join(dir, 'pretag-jetson-clocks.service'), 'utf8').replace(
        '/usr/bin/jetson_clocks',
        '/bin/true',
      ),
    );
    const v = await run('systemd-analyze', ['verify', ...units.map((u) => path.join(dir, u))]);
    rmSync(dir, { recursive: true, force: true });
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });

  it('a second run finds everything in place and changes nothing', async () => {
    const etc = treeDigest(r('etc'));
    const opt = treeDigest(r('opt'));
    const res = await provision('--jetson-clocks', 'on', '--no-register');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('exists: user pretag');
    expect(res.stdout).toContain(`already installed: Node ${NODE_VERSION}`);
    expect(res.stdout).toContain('already installed: release');
    expect(res.stdout).toContain('unchanged: /etc/pretag/edge.yaml');
    expect(res.stdout).toContain('unchanged: /etc/systemd/system/pretag-edge.service');
    expect(treeDigest(r('etc'))).toBe(etc);
    expect(treeDigest(r('opt'))).toBe(opt);
  }, 120_000);

  it('upgrade then rollback switch releases and keep the spool and config byte for byte', async () => {
    const spool = r('var/lib/pretag/spool');
    mkdirSync(path.join(spool, 'blobs'), { recursive: true });
    writeFileSync(path.join(spool, 'spool.db'), 'frames not yet uploaded');
    writeFileSync(path.join(spool, 'blobs', 'f-0001.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    const { uid, gid } = accountIn(root, 'pretag')!;
    for (const p of ['spool.db', 'blobs', 'blobs/f-0001.jpg'])
      chownSync(path.join(spool, p), uid, gid);
    const state = treeDigest(r('var/lib/pretag'));
    const config = treeDigest(r('etc/pretag'));
    const first = currentRelease();

    // The next version: the installed release's sources with one change.
    const src = mkdtempSync(path.join(tmpdir(), 'pretag-src-'));
    const rel = r(`opt/pretag/releases/${first}`);
    for (const e of readdirSync(rel))
      if (!['node_modules', 'node', '.complete'].includes(e))
        cpSync(path.join(rel, e), path.join(src, e), {
          recursive: true,
          filter: (p) => !p.includes(`${path.sep}node_modules`),
        });
    writeFileSync(
      path.join(src, 'edge-agent/src/cli.ts'),
      `${readFileSync(path.join(src, 'edge-agent/src/cli.ts'), 'utf8')}// next version\n`,
    );

    const up = await run(script('update.sh'), [
      'upgrade',
      '--source',
      src,
      '--root',
      root,
      '--node-tarball',
      tgz.node,
      '--npm-tarball',
      tgz.npm,
    ]);
    rmSync(src, { recursive: true, force: true });
    expect(up.code, up.stderr).toBe(0);
    const second = currentRelease();
    expect(second).not.toBe(first);
    expect(path.basename(readlinkSync(r('opt/pretag/previous')))).toBe(first);
    expect(
      readFileSync(r(`opt/pretag/releases/${second}/edge-agent/src/cli.ts`), 'utf8'),
    ).toContain('// next version');
    expect(treeDigest(r('var/lib/pretag'))).toBe(state);
    expect(treeDigest(r('etc/pretag'))).toBe(config);

    const back = await run(script('update.sh'), ['rollback', '--root', root]);
    expect(back.code, back.stderr).toBe(0);
    expect(currentRelease()).toBe(first);
    expect(path.basename(readlinkSync(r('opt/pretag/previous')))).toBe(second);
    expect(treeDigest(r('var/lib/pretag'))).toBe(state);
    expect(treeDigest(r('etc/pretag'))).toBe(config);
    const status = await run(script('update.sh'), ['status', '--root', root]);
    expect(status.stdout).toContain(`current:  ${first}`);
    expect(status.stdout).toContain(`previous: ${second}`);
  }, 300_000);

  it('a revoked device fails the check-in, naming why', async () => {
    const revoke = await pretag([
      'hub',
      'device',
      'revoke',
      'dublin-plant-2',
      'orin-07',
      '--config',
      hub.configFile,
    ]);
    expect(revoke.code, revoke.stderr).toBe(0);
    const res = await provision('--no-start');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('the broker refused orin-07@dublin-plant-2');
    expect(res.stderr).toContain('check-in failed');
  }, 120_000);
});
