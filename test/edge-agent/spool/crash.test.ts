// kill -9 at random points: a child process accepts (and delivers some) frames in a loop and is
// killed with SIGKILL after a random number of accepts, several times over the same spool. After
// each kill every frame whose accept() had returned must be there, byte for byte, with nothing
// left over and the database intact; at the end the spool drains in capture order.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Spool } from '../../../edge-agent/src/spool/spool.ts';
import type { SpoolItem } from '../../../edge-agent/src/spool/spool.ts';
import { sha256 } from './frames.ts';
import { sqlite, sqliteCli } from './sqlite-cli.ts';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const ROUNDS = 8;
// Each round starts a fresh Node process; give the shared 2-core machine room.
const TIMEOUT_MS = 240_000;

interface ChildLog {
  accepted: Map<string, string>;
  blobAcked: Set<string>;
  publishing: Set<string>;
  deleted: Set<string>;
  /** Index of the last accept that returned. */
  lastIndex: number;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Run the child until it has reported `killAfter` accepts, then SIGKILL it `delayMs` later. */
async function runUntilKilled(
  dir: string,
  round: number,
  base: number,
  killAfter: number,
  delayMs: number,
) {
  const child = spawn(process.execPath, [CHILD, dir, String(round), String(base)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: ChildLog = {
    accepted: new Map(),
    blobAcked: new Set(),
    publishing: new Set(),
    deleted: new Set(),
    lastIndex: -1,
    signal: null,
    stderr: '',
  };
  child.stderr.on('data', (d: Buffer) => (log.stderr += d.toString()));
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (_code, signal) => {
      log.signal = signal;
      resolve();
    }),
  );
  for await (const line of createInterface({ input: child.stdout })) {
    const [tag = '', id = '', sha = ''] = line.split(' ');
    if (tag === 'A') {
      log.accepted.set(id, sha);
      log.lastIndex = Number(id.split('-f')[1]);
      if (log.accepted.size === killAfter) setTimeout(() => child.kill('SIGKILL'), delayMs);
    } else if (tag === 'B') log.blobAcked.add(id);
    else if (tag === 'P?') log.publishing.add(id);
    else if (tag === 'P') log.deleted.add(id);
  }
  await exited;
  return log;
}

/** Every item in drain order, read without changing anything. */
function scan(spool: Spool, now: number): SpoolItem[] {
  const seen = new Set<string>();
  const out: SpoolItem[] = [];
  for (let item = spool.next(now, seen); item; item = spool.next(now, seen)) {
    seen.add(item.frameId);
    out.push(item);
  }
  return out;
}

/** integrity_check by the sqlite3 CLI; "ok" also when the CLI is absent (open() checks too). */
function integrity(dir: string): string {
  return sqliteCli.ok ? sqlite(path.join(dir, 'spool.db'), 'PRAGMA integrity_check') : 'ok';
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pretag-spool-crash-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('crash safety under SIGKILL', () => {
  it(
    'keeps every accepted frame intact across repeated kill -9, then drains in capture order',
    async () => {
      const base = Date.now() - 3_600_000;
      const accepted = new Map<string, string>();
      const blobAcked = new Set<string>();
      const gone = new Set<string>();
      const maybeGone = new Set<string>();
      const repaired = { temp: 0, orphans: 0, inFlightKept: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        const killAfter = 5 + Math.floor(Math.random() * 40);
        const delayMs = Math.random() * 20;
        const log = await runUntilKilled(dir, round, base, killAfter, delayMs);
        expect(log.signal, `child stderr: ${log.stderr}`).toBe('SIGKILL');
        expect(log.accepted.size).toBeGreaterThanOrEqual(killAfter);
        for (const [id, sha] of log.accepted) accepted.set(id, sha);
        for (const id of log.blobAcked) blobAcked.add(id);
        for (const id of log.deleted) gone.add(id);
        for (const id of log.publishing) if (!log.deleted.has(id)) maybeGone.add(id);

        const now = base + 3_600_000;
        const spool = Spool.open({ dir, maxBytes: 1024 * 2 ** 20, maxAgeS: 86_400 });
        try {
          const report = spool.openReport;
          expect(report.corruption).toBeUndefined();
          expect(report.lostFrames).toEqual([]);
          repaired.temp += report.tempFilesRemoved;
          repaired.orphans += report.orphanFilesRemoved;
          const items = scan(spool, now);
          const held = new Map(items.map((i) => [i.frameId, i]));
          for (const [id, sha] of accepted) {
            if (gone.has(id)) {
              expect(held.has(id), `${id} was delivered and deleted`).toBe(false);
              continue;
            }
            const item = held.get(id);
            if (!item && maybeGone.has(id)) continue;
            expect(item, `accepted frame ${id} missing after kill in round ${round}`).toBeDefined();
            expect(sha256(await spool.readJpeg(id)), `${id} bytes`).toBe(sha);
            if (blobAcked.has(id)) expect(item?.blobUploaded, `${id} blob ack`).toBe(true);
          }
          // The only frame not reported accepted may be the one whose accept() was cut off.
          const extras = items.filter((i) => !accepted.has(i.frameId)).map((i) => i.frameId);
          expect(extras.length).toBeLessThanOrEqual(1);
          for (const id of extras) {
            expect(id).toBe(`r${round}-f${String(log.lastIndex + 1).padStart(5, '0')}`);
            // Intact: its bytes match its own stored checksum. From now on it is expected to stay.
            const bytes = await spool.readJpeg(id);
            accepted.set(id, sha256(bytes));
            repaired.inFlightKept++;
          }
          // Drain order is capture order (ids sort in capture order).
          const ids = items.map((i) => i.frameId);
          expect(ids).toEqual([...ids].sort());
          // No orphans: the blob directory holds exactly the held frames' JPEGs.
          expect(readdirSync(path.join(dir, 'blobs')).sort()).toEqual(
            ids.map((id) => `${id}.jpg`).sort(),
          );
        } finally {
          await spool.close();
        }
        expect(integrity(dir)).toBe('ok');
      }
      console.log(
        `crash test: ${ROUNDS} kills, ${accepted.size} frames accepted, ${gone.size} delivered; ` +
          `repaired ${repaired.temp} temp files, ${repaired.orphans} uncommitted JPEGs; ` +
          `${repaired.inFlightKept} frames committed just before the kill`,
      );

      // Final drain after the last restart, as the uplink would do it.
      const spool = Spool.open({ dir, maxBytes: 1024 * 2 ** 20, maxAgeS: 86_400 });
      try {
        const order: string[] = [];
        for (let item = spool.next(); item; item = spool.next()) {
          order.push(item.frameId);
          if (!item.blobUploaded) spool.markBlobUploaded(item.frameId);
          expect(spool.markPublished(item.frameId)).toBe('deleted');
        }
        expect(order.length).toBeGreaterThan(0);
        expect(order).toEqual([...order].sort());
        expect(spool.stats().items).toBe(0);
        expect(readdirSync(path.join(dir, 'blobs'))).toEqual([]);
      } finally {
        await spool.close();
      }
    },
    TIMEOUT_MS,
  );
});
