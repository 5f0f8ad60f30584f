import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/media.ts';

const bin = path.join(repoRoot, 'shared/bin/pretag.js');

function pretag(args: string[], nodePath = process.execPath) {
  return spawnSync(nodePath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
}

describe('pretag launcher', () => {
  it('prints help with the commands that exist', () => {
    const r = pretag(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: pretag/m);
    expect(r.stdout).toMatch(/^\s+config\b/m);
  });

  it('prints its version from package.json', () => {
    const r = pretag(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('rejects an unknown command with a hint and a non-zero exit', () => {
    const r = pretag(['frobnicate']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  // The machines ship Node 20; the launcher must say what to do instead of failing obscurely.
  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => {
    if (!existsSync(p)) return false;
    const v = execFileSync(p, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    return Number(v.split('.')[0]) < 22;
  });
  if (!oldNode)
    console.warn('SKIP: no Node.js older than 22 on this machine to test the version guard');
  it.skipIf(!oldNode)('refuses a Node.js older than 22.12 with a clear message', () => {
    const r = pretag(['--help'], oldNode);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/needs Node\.js 22\.12 or newer/);
    expect(r.stderr).toMatch(/setup\.sh/);
  });
});
