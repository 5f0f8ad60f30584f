// `pretag hub run` as a real process: a bad hub.yaml exits 1 naming file:line and key; a good
// one prints its listeners, serves, and exits 0 on SIGTERM after a clean shutdown.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, hubDir, pretag, pretagBin, repoRoot } from './helpers.ts';
import type { HubDir } from './helpers.ts';

let h: HubDir | undefined;
afterEach(() => h?.remove());

describe('pretag hub run (subprocess)', () => {
  it('a bad hub.yaml exits 1 naming file:line:col and the key', async () => {
    h = await hubDir();
    // Line 3: the embedded broker port is out of range.
    writeFileSync(
      h.configFile,
      'listen: { host: 127.0.0.1, port: 8080 }\nmqtt:\n  embedded: { port: 70000 }\n',
    );
    const r = await pretag(['hub', 'run', '--config', h.configFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${h.configFile}:3:`);
    expect(r.stderr).toContain('mqtt.embedded.port');
    const missing = await pretag(['hub', 'run', '--config', `${h.dir}/nope.yaml`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.yaml');
  }, 60_000);

  it('serves, then exits 0 on SIGTERM after a clean shutdown', async () => {
    h = await hubDir();
    const child = spawn(process.execPath, [pretagBin, 'hub', 'run', '--config', h.configFile], {
      cwd: repoRoot,
      env: { ...process.env, PRETAG_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once('close', (code) => resolve(code)),
    );
    try {
      await eventually(
        'the startup lines',
        () => (stdout.includes('data ') ? true : undefined),
        600,
      );
      expect(stdout).toContain(`API   http://127.0.0.1:${h.apiPort}`);
      expect(stdout).toContain(`MQTT  mqtt://127.0.0.1:${h.mqttPort}`);
      const health = await fetch(`http://127.0.0.1:${h.apiPort}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('hub stopped');
    // Everything closed: the port is free again.
    await expect(fetch(`http://127.0.0.1:${h.apiPort}/healthz`)).rejects.toThrow();
  }, 60_000);
});
