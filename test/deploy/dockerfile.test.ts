// deploy/Dockerfile, parsed with dockerfile-ast: non-root runtime, a health check that really
// answers against a running hub, ports and commands that match hub.yaml's schema and the CLI,
// and COPY sources that exist and are not excluded from the build context.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import type { Copy, Instruction } from 'dockerfile-ast';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { hubFileSchema } from '@pretag/shared/config/hub-schema';
import { startHub } from '../../cloud-hub/src/hub/run-hub.ts';
import type { RunningHub } from '../../cloud-hub/src/hub/run-hub.ts';
import { hubDir } from '../cloud-hub/hub/helpers.ts';
import type { HubDir } from '../cloud-hub/hub/helpers.ts';
import { cliProblem, deployFile, repoRoot } from './helpers.ts';

const text = readFileSync(deployFile('Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(text);
const stages = dockerfile.getFROMs().map((f) => f.getBuildStage());
const all = dockerfile.getInstructions();
const runtimeFrom = dockerfile.getFROMs().at(-1);
const runtimeStart = runtimeFrom?.getRange().start.line ?? 0;
const runtime = all.filter((i) => i.getRange().start.line >= runtimeStart);
const kw = (list: Instruction[], k: string) => list.filter((i) => i.getKeyword() === k);
/** An exec-form (JSON) instruction's words. */
const execWords = (i: Instruction | undefined): string[] => {
  const raw = i?.getRawArgumentsContent() ?? '';
  const json = /(\[[\s\S]*\])\s*$/.exec(raw.replace(/\\\n/g, ' '))?.[1];
  if (!json) throw new Error(`not exec form: ${raw}`);
  return JSON.parse(json) as string[];
};
const DEFAULT_PORT = hubFileSchema.parse({}).listen.port;

describe('deploy/Dockerfile', () => {
  it('builds in stages and the runtime stage runs as a non-root user', () => {
    expect(stages).toEqual(['build', 'deps', 'runtime']);
    const users = kw(runtime, 'USER');
    expect(users.length).toBe(1);
    const user = users[0]?.getArgumentsContent()?.split(':')[0] ?? '';
    expect(['root', '0', '']).not.toContain(user);
    // The numeric id is the one created with useradd in the same stage.
    expect(text).toMatch(new RegExp(`useradd[^\\n]*--uid ${user}\\b`));
  });

  it('installs Debian ffmpeg in the runtime image', () => {
    const apt = kw(runtime, 'RUN').map((r) => r.getArgumentsContent() ?? '');
    expect(apt.some((r) => /apt-get install[\s\S]*\bffmpeg\b/.test(r))).toBe(true);
  });

  it('exposes the hub.yaml default API port and the embedded MQTT port', () => {
    const exposed = kw(runtime, 'EXPOSE').flatMap((e) => e.getArguments().map((a) => a.getValue()));
    const mqttDefault = hubFileSchema.parse({}).mqtt.embedded?.port;
    expect(exposed).toEqual([String(DEFAULT_PORT), String(mqttDefault)]);
  });

  it('runs `pretag hub run --config …` by default, a command the CLI has', async () => {
    const entry = execWords(kw(runtime, 'ENTRYPOINT')[0]);
    const cmd = execWords(kw(runtime, 'CMD')[0]);
    expect(entry.slice(-2)).toEqual(['node', '/app/shared/bin/pretag.js']);
    expect(cmd.slice(0, 3)).toEqual(['hub', 'run', '--config']);
    expect(await cliProblem(cmd)).toBeUndefined();
    expect(await cliProblem(['hub', 'worker', '--config', '/etc/pretag/hub.yaml'])).toBeUndefined();
  });

  it('points PRETAG_MODELS_DIR at the folder the model is copied to', () => {
    const env = new Map(
      kw(runtime, 'ENV').flatMap((e) =>
        (e as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] })
          .getProperties()
          .map((p) => [p.getName(), p.getValue() ?? ''] as const),
      ),
    );
    const copyModel = kw(runtime, 'COPY').find((c) =>
      /centernet\.onnx/.test(c.getArgumentsContent() ?? ''),
    );
    const dest = copyModel?.getArguments().at(-1)?.getValue() ?? '';
    expect(path.posix.normalize(`${dest}/`)).toBe(`${env.get('PRETAG_MODELS_DIR')}/`);
    // The build stage writes the model there with the models command the CLI has.
    expect(text).toContain('models build --only centernet --no-measure --out /models');
  });

  it('copies only files that exist and that the Dockerfile.dockerignore lets through', () => {
    const ignore = readFileSync(deployFile('Dockerfile.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    // Last matching pattern wins, as in Docker; "**" excludes everything first.
    const included = (rel: string): boolean => {
      let ok = true;
      for (const p of ignore) {
        const neg = p.startsWith('!');
        const glob = neg ? p.slice(1) : p;
        if (path.matchesGlob(rel, glob) || path.matchesGlob(rel, `${glob}/**`)) ok = neg;
      }
      return ok;
    };
    const sources = kw(all, 'COPY')
      .filter((c) => !(c as Copy).getFromFlag())
      .flatMap((c) =>
        c
          .getArguments()
          .slice(0, -1)
          .map((a) => a.getValue()),
      );
    expect(sources.length).toBeGreaterThan(10);
    const tracked = (dir: string): string[] =>
      spawnSync('git', ['ls-files', dir], { cwd: repoRoot, encoding: 'utf8' })
        .stdout.split('\n')
        .filter(Boolean);
    for (const s of sources) {
      expect(existsSync(path.join(repoRoot, s)), `${s} exists`).toBe(true);
      const files = statSync(path.join(repoRoot, s)).isDirectory() ? tracked(s) : [s];
      expect(files.some(included), `${s} is in the build context`).toBe(true);
    }
    for (const needed of [
      'shared/bin/pretag.js',
      'shared/src/cli/main.ts',
      'cloud-hub/src/cli.ts',
      'models/src/cli.ts',
    ])
      expect(included(needed), needed).toBe(true);
    for (const left of [
      'node_modules/yaml/package.json',
      'test/deploy/helpers.ts',
      'models/build/centernet.onnx',
      'shared/src/x.test.ts',
    ])
      expect(included(left), left).toBe(false);
    // Workspace names in the npm ci line are real workspaces.
    const ws = (
      JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
        workspaces: string[];
      }
    ).workspaces;
    for (const [, name] of text.matchAll(/--workspace=(\S+)/g)) expect(ws).toContain(name);
  });
});

describe('the image health check against a running hub', () => {
  let h: HubDir;
  let hub: RunningHub | undefined;
  const words = execWords(kw(runtime, 'HEALTHCHECK')[0]);
  const script = (port: number) => (words[2] ?? '').replace(`:${DEFAULT_PORT}/`, `:${port}/`);
  // Asynchronous: the hub answers from this same process.
  const check = (port: number): Promise<number> =>
    promisify(execFile)(process.execPath, ['-e', script(port)], { timeout: 20_000 }).then(
      () => 0,
      (err: { code?: number }) => err.code ?? -1,
    );

  beforeAll(async () => {
    h = await hubDir();
    h.writeConfig();
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

  it('calls /healthz on the listen port, passes while the hub runs and fails once it stops', async () => {
    expect(words.slice(0, 2)).toEqual(['node', '-e']);
    expect(words[2]).toContain(`http://127.0.0.1:${DEFAULT_PORT}/healthz`);
    expect(await check(h.apiPort)).toBe(0);
    await hub?.close();
    hub = undefined;
    expect(await check(h.apiPort)).toBe(1);
  });
});
