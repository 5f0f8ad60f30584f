// `pretag hub worker` (the command compose and the worker Deployment run) refuses set-ups it
// cannot work with, saying why, instead of starting a worker that never gets a job.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.ts';

async function worker(
  cwd: string,
  config: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stderr: string }> {
  writeFileSync(path.join(cwd, 'hub.yaml'), config);
  const bin = path.join(repoRoot, 'shared/bin/pretag.js');
  try {
    await promisify(execFile)(process.execPath, [bin, 'hub', 'worker', '--config', 'hub.yaml'], {
      cwd,
      timeout: 60_000,
      env: { ...process.env, ...env },
    });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
}

describe('pretag hub worker', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pretag-worker-cmd-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('needs an external broker: with the embedded one the hub runs its own workers', async () => {
    const r = await worker(dir, 'listen: { port: 8080 }\nmqtt: { embedded: { port: 1883 } }\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('hub worker needs mqtt.external');
  });

  it('names the unreadable password file', async () => {
    const r = await worker(
      dir,
      'mqtt: { external: { url: "mqtt://127.0.0.1:1", username: w, password_file: nope.txt } }\n',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `mqtt.external.password_file: cannot read ${path.join(dir, 'nope.txt')}`,
    );
  });

  it("names the workers' own password file (compose and k8s set it) when it cannot be read", async () => {
    const r = await worker(
      dir,
      'mqtt: { external: { url: "mqtt://127.0.0.1:1", username: hub, password_file: hub.txt } }\n',
      { PRETAG_WORKER_MQTT_USERNAME: 'pretag-worker', PRETAG_WORKER_MQTT_PASSWORD_FILE: 'w.txt' },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `PRETAG_WORKER_MQTT_PASSWORD_FILE: cannot read ${path.join(dir, 'w.txt')}`,
    );
  });

  it('reports a bad hub.yaml with file, line and key', async () => {
    const r = await worker(dir, 'mqtt:\n  external: { url: "http://broker:1883" }\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hub\.yaml:2:\d+ mqtt\.external\.url/);
  });
});
