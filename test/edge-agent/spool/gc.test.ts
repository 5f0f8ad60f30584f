// better-sqlite3 12 built for Node >= 24.19 aborts the process when the garbage collector frees
// one of its statements (nodejs/node#65446); 13 fixed it. This guards against that pairing coming
// back: a bare connection preparing throwaway statements, and a working spool, both under
// garbage-collection pressure, must survive.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./gc-child.ts', import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pretag-spool-gc-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(mode: 'spool' | 'control') {
  return spawnSync(process.execPath, [CHILD, path.join(dir), mode], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('better-sqlite3 objects and garbage collection', () => {
  it('throwaway statements and a working spool survive garbage collection', () => {
    const control = run('control');
    expect(control.stderr).not.toMatch(/Assertion failed/);
    expect(control.signal).toBeNull();
    expect(control.stdout).toMatch(/^survived 250 ticks/);
    const r = run('spool');
    expect(r.stderr).not.toMatch(/Assertion failed/);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^survived 250 ticks/);
  }, 240_000);
});
