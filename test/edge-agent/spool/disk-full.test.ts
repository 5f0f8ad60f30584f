// A really full disk: the spool lives on a 2 MiB tmpfs. Needs root (mount); skips otherwise.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Spool } from '../../../edge-agent/src/spool/spool.ts';
import { SpoolError } from '../../../edge-agent/src/spool/errors.ts';
import { makeFrame, sha256 } from './frames.ts';
import { sqlite, sqliteCli } from './sqlite-cli.ts';

const T0 = Date.parse('2026-11-27T00:00:00Z');
const mountPoint = mkdtempSync(path.join(os.tmpdir(), 'pretag-spool-tmpfs-'));
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], {
  encoding: 'utf8',
});
const canMount = mounted.status === 0;
if (!canMount)
  console.warn(
    `SKIP: cannot mount a 2 MiB tmpfs for the full-disk test (needs root): ${(mounted.stderr || String(mounted.error)).trim()}`,
  );

afterAll(() => {
  if (canMount) spawnSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

let spools: Spool[] = [];
afterEach(async () => {
  for (const s of spools) await s.close();
  spools = [];
  for (const name of readdirSync(mountPoint))
    rmSync(path.join(mountPoint, name), { recursive: true, force: true });
});

function openSpool(dir: string): Spool {
  const s = Spool.open({ dir, maxBytes: 1024 * 2 ** 20, maxAgeS: 86_400, clock: () => T0 });
  spools.push(s);
  return s;
}

/** Fill the file system with one file, then give back `leaveBytes`. */
function ballast(file: string, leaveBytes: number): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    expect((e as { code?: string }).code).toBe('ENOSPC');
  } finally {
    closeSync(fd);
  }
  truncateSync(file, Math.max(0, statSync(file).size - leaveBytes));
}

/** integrity_check by the sqlite3 CLI; "ok" also when the CLI is absent (open() checks too). */
function integrity(dir: string): string {
  return sqliteCli.ok ? sqlite(path.join(dir, 'spool.db'), 'PRAGMA integrity_check') : 'ok';
}

describe.skipIf(!canMount)('full disk (2 MiB tmpfs)', () => {
  it('makes room by dropping the oldest frames when the spool itself filled the disk', async () => {
    const dir = path.join(mountPoint, 'spool');
    const spool = openSpool(dir);
    const sent = Array.from({ length: 20 }, (_, i) =>
      makeFrame(`f${String(i).padStart(2, '0')}`, T0 - (20 - i) * 1_000, 150_000),
    );
    const dropped: string[] = [];
    // 20 × 150 kB = 3 MB can never fit in 2 MiB: every accept must still succeed.
    for (const t of sent) {
      const r = await spool.accept(t.frame, t.jpeg);
      for (const d of r.dropped) {
        expect(d.reason).toBe('disk_full');
        dropped.push(d.frameId);
      }
    }
    expect(dropped.length).toBeGreaterThan(0);
    // What was dropped is exactly the oldest frames, in order.
    expect(dropped).toEqual(sent.slice(0, dropped.length).map((t) => t.frame.frameId));
    const s = spool.stats(T0);
    expect(s.dropped.disk_full).toBe(dropped.length);
    expect(s.items).toBe(20 - dropped.length);
    await spool.close();

    expect(integrity(dir)).toBe('ok');
    const again = openSpool(dir);
    expect(again.openReport).toEqual({
      tempFilesRemoved: 0,
      orphanFilesRemoved: 0,
      lostFrames: [],
    });
    for (const t of sent.slice(dropped.length))
      expect(sha256(await again.readJpeg(t.frame.frameId))).toBe(t.sha256);
  });

  it('rejects a new frame with a clear ENOSPC error when dropping cannot help, keeping the rest', async () => {
    const dir = path.join(mountPoint, 'spool');
    mkdirSync(dir);
    const spool = openSpool(dir);
    const small = makeFrame('small', T0 - 1_000, 5_000);
    await spool.accept(small.frame, small.jpeg);
    // Another program filled the disk, leaving 96 KiB: the spool holds only 5 kB to give back.
    const fill = path.join(mountPoint, 'ballast');
    ballast(fill, 96 * 1024);
    const big = makeFrame('big', T0, 300_000);
    const e = await spool.accept(big.frame, big.jpeg).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(SpoolError);
    expect((e as SpoolError).code).toBe('disk_full');
    expect((e as SpoolError).message).toMatch(
      /disk full \(ENOSPC\) writing frame big \(300000 bytes\)/,
    );
    expect((e as SpoolError).message).toContain('the new frame was rejected');
    expect(spool.stats(T0)).toMatchObject({ items: 1, dropped: { disk_full: 1 } });
    // No partial file left behind.
    expect(readdirSync(path.join(dir, 'blobs'))).toEqual(['small.jpg']);
    await spool.close();

    // Still full: the spool opens, is intact and holds what it accepted.
    expect(integrity(dir)).toBe('ok');
    const again = openSpool(dir);
    expect(again.openReport.lostFrames).toEqual([]);
    expect(sha256(await again.readJpeg('small'))).toBe(small.sha256);
    // Space back: the same frame now goes in.
    rmSync(fill);
    expect((await again.accept(big.frame, big.jpeg)).duplicate).toBe(false);
    expect(again.stats(T0).items).toBe(2);
  });
});
