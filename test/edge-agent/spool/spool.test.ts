// The spool's queue behaviour on real SQLite files in temp dirs: FIFO drain, idempotent accept,
// delete only after both acknowledgements, byte cap, age sweep, backoff, recovery and errors.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../edge-agent/src/spool/schema.ts';
import { Spool, spoolOptionsFromConfig } from '../../../edge-agent/src/spool/spool.ts';
import type { SpoolOptions } from '../../../edge-agent/src/spool/spool.ts';
import { SpoolError } from '../../../edge-agent/src/spool/errors.ts';
import { makeFrame, sha256 } from './frames.ts';
import { sqlite, sqliteCli } from './sqlite-cli.ts';
import type { TestFrame } from './frames.ts';

const T0 = Date.parse('2026-11-27T00:00:00Z');
const MIB = 2 ** 20;
const dirs: string[] = [];
const open: Spool[] = [];

async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'pretag-spool-'));
  dirs.push(d);
  return d;
}

function openSpool(dir: string, opts: Partial<SpoolOptions> = {}): Spool {
  const s = Spool.open({ dir, maxBytes: 100 * MIB, maxAgeS: 86_400, clock: () => T0, ...opts });
  open.push(s);
  return s;
}

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** Deliver everything in drain order, returning the frameIds in the order they came out. */
function drain(spool: Spool, now: number): string[] {
  const out: string[] = [];
  for (let item = spool.next(now); item; item = spool.next(now)) {
    out.push(item.frameId);
    spool.markBlobUploaded(item.frameId, now);
    expect(spool.markPublished(item.frameId, now)).toBe('deleted');
  }
  return out;
}

async function rejection(p: Promise<unknown>): Promise<SpoolError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SpoolError);
  return e as SpoolError;
}

describe('drain order and idempotency', () => {
  it('drains by capture time, then acceptance order, and again after a restart', async () => {
    const dir = await tempDir();
    const spool = openSpool(dir);
    // Accepted out of capture order; c and d share a capture time (c accepted first).
    const frames: [string, number][] = [
      ['b', T0 - 20_000],
      ['d', T0 - 10_000],
      ['a', T0 - 30_000],
      ['c', T0 - 10_000],
      ['e', T0 - 5_000],
    ];
    const cut = frames.findIndex(([id]) => id === 'c');
    for (const [id, at] of frames.slice(0, cut)) {
      const t = makeFrame(id, at, 2_000);
      await spool.accept(t.frame, t.jpeg);
    }
    // c is accepted after d, so among equal capture times d comes first.
    for (const [id, at] of frames.slice(cut)) {
      const t = makeFrame(id, at, 2_000);
      await spool.accept(t.frame, t.jpeg);
    }
    expect(spool.next()?.frameId).toBe('a');
    await spool.close();
    const again = openSpool(dir);
    expect(drain(again, T0)).toEqual(['a', 'b', 'd', 'c', 'e']);
    expect(again.stats(T0)).toMatchObject({ items: 0, bytes: 0, oldestAgeMs: null });
  });

  it('accepts the same frameId once; different bytes under that id are a conflict', async () => {
    const spool = openSpool(await tempDir());
    const t = makeFrame('dup', T0 - 1_000, 3_000);
    expect(await spool.accept(t.frame, t.jpeg)).toEqual({
      frameId: 'dup',
      duplicate: false,
      dropped: [],
    });
    // Concurrent repeats of the same frame resolve as duplicates, stored once.
    const again = await Promise.all([spool.accept(t.frame, t.jpeg), spool.accept(t.frame, t.jpeg)]);
    expect(again.map((r) => r.duplicate)).toEqual([true, true]);
    expect(spool.stats(T0)).toMatchObject({ items: 1, bytes: 3_000 });
    const other = makeFrame('dup', T0 - 1_000, 3_000);
    const e = await rejection(spool.accept(other.frame, other.jpeg));
    expect(e.code).toBe('conflict');
    expect(e.message).toContain('already spooled with different bytes');
    expect(sha256(await spool.readJpeg('dup'))).toBe(t.sha256);
  });

  it('stores a real ffmpeg JPEG byte for byte', async () => {
    const dir = await tempDir();
    const jpgPath = path.join(dir, 'src.jpg');
    const r = spawnSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=160x120',
      '-frames:v',
      '1',
      jpgPath,
    ]);
    expect(r.status).toBe(0);
    const jpeg = readFileSync(jpgPath);
    const spool = openSpool(path.join(dir, 'spool'));
    const t = makeFrame('real', T0, jpeg.byteLength, { jpeg });
    await spool.accept(t.frame, t.jpeg);
    const item = spool.next(T0);
    expect(item?.frame).toEqual(t.frame);
    expect(readFileSync(item?.path ?? '').equals(jpeg)).toBe(true);
  });
});

describe('acknowledgements', () => {
  it('deletes the row and the JPEG only when both the blob and the metadata are acknowledged', async () => {
    const dir = await tempDir();
    const spool = openSpool(dir);
    const t = makeFrame('f1', T0, 1_000);
    await spool.accept(t.frame, t.jpeg);
    const file = path.join(dir, 'blobs', 'f1.jpg');
    expect(spool.markBlobUploaded('f1')).toBe('pending');
    expect(existsSync(file)).toBe(true);
    expect(spool.stats(T0)).toMatchObject({ items: 1, blobUploaded: 1 });
    await spool.close();

    // After a restart the blob step is remembered, so the uplink publishes without re-uploading.
    const again = openSpool(dir);
    expect(again.next(T0)).toMatchObject({ frameId: 'f1', blobUploaded: true, published: false });
    expect(again.markPublished('f1')).toBe('deleted');
    expect(existsSync(file)).toBe(false);
    expect(again.next(T0)).toBeUndefined();
    expect(again.markPublished('f1')).toBe('unknown');
  });

  it('also deletes when the metadata ack arrives first', async () => {
    const spool = openSpool(await tempDir());
    const t = makeFrame('f2', T0, 1_000);
    await spool.accept(t.frame, t.jpeg);
    expect(spool.markPublished('f2')).toBe('pending');
    expect(spool.next(T0)).toMatchObject({ published: true, blobUploaded: false });
    expect(spool.markBlobUploaded('f2')).toBe('deleted');
    expect(spool.stats(T0).items).toBe(0);
  });
});

describe('retry backoff', () => {
  // Hand table for base 1 s, cap 5 min: step = min(300 s, 2^(n-1) s), delay in [step/2, step].
  const table: [number, number, number][] = [
    [1, 500, 1_000],
    [2, 1_000, 2_000],
    [3, 2_000, 4_000],
    [4, 4_000, 8_000],
    [5, 8_000, 16_000],
    [8, 64_000, 128_000],
    [9, 128_000, 256_000],
    [10, 150_000, 300_000],
    [12, 150_000, 300_000],
  ];

  it('waits within the table range for each attempt and is not offered before then', async () => {
    // Jitter alternates low, high, middle: 0 gives the range's floor, 1 its ceiling.
    const jitter = [0, 1, 0.5];
    let calls = 0;
    const spool = openSpool(await tempDir(), {
      random: () => jitter[calls++ % jitter.length] ?? 0,
    });
    const t = makeFrame('retry', T0, 1_000);
    await spool.accept(t.frame, t.jpeg);
    let now = T0;
    for (let n = 1; n <= 12; n++) {
      const r = spool.retryLater('retry', new Error(`hub unreachable #${n}`), now);
      expect(r?.attempts).toBe(n);
      const row = table.find(([a]) => a === n);
      if (row) {
        const [, lo, hi] = row;
        const expected = [lo, hi, (lo + hi) / 2][(n - 1) % 3];
        expect(r?.delayMs).toBe(expected);
      }
      const delay = r?.delayMs ?? 0;
      expect(spool.next(now + delay - 1)).toBeUndefined();
      expect(spool.next(now + delay)).toMatchObject({
        frameId: 'retry',
        attempts: n,
        lastError: `hub unreachable #${n}`,
      });
      now += delay;
    }
    expect(spool.retryLater('absent', 'x', now)).toBeUndefined();
  });

  it('a frame waiting out its backoff does not hold back later ones', async () => {
    const spool = openSpool(await tempDir(), { random: () => 0 });
    for (const [id, at] of [
      ['old', T0 - 2_000],
      ['new', T0 - 1_000],
    ] as const) {
      const t = makeFrame(id, at, 1_000);
      await spool.accept(t.frame, t.jpeg);
    }
    spool.retryLater('old', 'timeout', T0);
    expect(spool.next(T0)?.frameId).toBe('new');
    expect(spool.next(T0 + 500)?.frameId).toBe('old');
    expect(spool.next(T0 + 500, new Set(['old']))?.frameId).toBe('new');
  });
});

describe('byte cap', () => {
  it('drops exactly the oldest frames needed to fit a new one, never the new one', async () => {
    const spool = openSpool(await tempDir(), { maxBytes: 10_000 });
    const accept = async (id: string, ageS: number, bytes: number) => {
      const t = makeFrame(id, T0 - ageS * 1_000, bytes);
      return (await spool.accept(t.frame, t.jpeg)).dropped.map((d) => `${d.frameId}:${d.reason}`);
    };
    // Hand calculation, cap 10 000: A+B+C = 9 000.
    expect(await accept('A', 60, 3_000)).toEqual([]);
    expect(await accept('B', 50, 3_000)).toEqual([]);
    expect(await accept('C', 40, 3_000)).toEqual([]);
    // + D 2 500 = 11 500 > cap: drop A -> 8 500.
    expect(await accept('D', 30, 2_500)).toEqual(['A:bytes_cap']);
    // + E 4 000 = 12 500: drop B -> 9 500.
    expect(await accept('E', 20, 4_000)).toEqual(['B:bytes_cap']);
    // + F 9 000 = 18 500: drop C (15 500), D (13 000), E (9 000).
    expect(await accept('F', 10, 9_000)).toEqual(['C:bytes_cap', 'D:bytes_cap', 'E:bytes_cap']);
    // G is captured before F but is the newcomer: F (the oldest held) goes. 9 000 + 2 000 -> 2 000.
    expect(await accept('G', 70, 2_000)).toEqual(['F:bytes_cap']);
    // Larger than the whole cap: refused, nothing else dropped.
    const big = makeFrame('H', T0, 10_001);
    const e = await rejection(spool.accept(big.frame, big.jpeg));
    expect(e.code).toBe('too_large');
    expect(e.message).toContain('10001 bytes, larger than spool.max_bytes (10000)');
    const s = spool.stats(T0);
    expect(s).toMatchObject({ items: 1, bytes: 2_000, oldestAgeMs: 70_000 });
    expect(s.dropped).toMatchObject({ bytes_cap: 6, too_large: 1, age: 0, disk_full: 0 });
    expect(readdirSync(path.join(spool.dir, 'blobs'))).toEqual(['G.jpg']);
  });
});

describe('age limit', () => {
  it('drops frames older than max_age by capture time, on next(), accept and open', async () => {
    const dir = await tempDir();
    let now = T0;
    const spool = openSpool(dir, { maxAgeS: 60, clock: () => now });
    for (const [id, at] of [
      ['t0', T0],
      ['t10', T0 + 10_000],
      ['t20', T0 + 20_000],
    ] as const) {
      const t = makeFrame(id, at, 1_000);
      await spool.accept(t.frame, t.jpeg);
    }
    // At T0+60 s, t0 is exactly 60 s old: kept (older than, not as old as).
    expect(spool.next(T0 + 60_000)?.frameId).toBe('t0');
    expect(spool.next(T0 + 65_000)?.frameId).toBe('t10');
    expect(spool.stats(T0 + 65_000)).toMatchObject({ items: 2, oldestAgeMs: 55_000 });
    // A frame already past max_age is refused and counted.
    now = T0 + 75_000;
    const stale = makeFrame('stale', T0 + 1_000, 1_000);
    const e = await rejection(spool.accept(stale.frame, stale.jpeg));
    expect(e.code).toBe('expired');
    expect(e.message).toContain('past spool.max_age (60 s)');
    // That accept also swept t10 (10 s + 60 s < 75 s): t0, t10 and the refused frame make 3.
    expect(spool.stats(now)).toMatchObject({ items: 1, dropped: { age: 3 } });
    await spool.close();
    now = T0 + 81_000;
    const again = openSpool(dir, { maxAgeS: 60, clock: () => now });
    // Opening at 81 s sweeps t20 (20 s + 60 s < 81 s).
    expect(again.stats(now)).toMatchObject({ items: 0, dropped: { age: 4 } });
    expect(readdirSync(path.join(dir, 'blobs'))).toEqual([]);
  });
});

describe('bad input', () => {
  const cases: [string, (t: TestFrame) => [unknown, unknown], string][] = [
    [
      'a wrong sha256',
      (t) => [{ ...t.frame, sha256: 'a'.repeat(64) }, t.jpeg],
      'does not match metadata',
    ],
    [
      'a wrong size',
      (t) => [{ ...t.frame, bytes: 999 }, t.jpeg],
      'JPEG is 1000 bytes but metadata says 999',
    ],
    [
      'bytes that are not a JPEG',
      (t) => {
        const png = Buffer.from(t.jpeg);
        png[0] = 0x89;
        return [{ ...t.frame, sha256: sha256(png) }, png];
      },
      'not a JPEG',
    ],
    [
      'a frame id with a slash',
      (t) => [{ ...t.frame, frameId: '../x' }, t.jpeg],
      'frameId: frame id may use only',
    ],
    ['no JPEG at all', (t) => [t.frame, 'hello'], 'must be a Buffer'],
  ];
  it.each(cases)(
    'rejects %s with a clear error and stores nothing',
    async (_name, mutate, text) => {
      const spool = openSpool(await tempDir());
      const [frame, jpeg] = mutate(makeFrame('ok', T0, 1_000));
      const e = await rejection(spool.accept(frame as TestFrame['frame'], jpeg as Buffer));
      expect(e.code).toBe('invalid_frame');
      expect(e.message).toContain(text);
      expect(spool.stats(T0).items).toBe(0);
      expect(readdirSync(path.join(spool.dir, 'blobs'))).toEqual([]);
    },
  );

  it('refuses a second process or connection on the same spool', async () => {
    const dir = await tempDir();
    openSpool(dir);
    const e = (() => {
      try {
        Spool.open({ dir, maxBytes: MIB, maxAgeS: 60, busyTimeoutMs: 50 });
      } catch (err) {
        return err as SpoolError;
      }
      return undefined;
    })();
    expect(e?.code).toBe('locked');
    expect(e?.message).toContain('only one agent may use a spool directory');
  });

  it('refuses bad settings and an unusable directory with clear errors', async () => {
    const dir = await tempDir();
    const fail = (opts: SpoolOptions) => {
      try {
        Spool.open(opts);
      } catch (e) {
        return e as SpoolError;
      }
      throw new Error('Spool.open succeeded');
    };
    expect(fail({ dir, maxBytes: 0, maxAgeS: 60 })).toMatchObject({
      code: 'invalid_options',
      message: 'spool max_bytes must be a positive integer, got 0',
    });
    expect(fail({ dir, maxBytes: MIB, maxAgeS: -1 })).toMatchObject({ code: 'invalid_options' });
    const file = path.join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const e = fail({ dir: file, maxBytes: MIB, maxAgeS: 60 });
    expect(e.code).toBe('io');
    expect(e.message).toContain(`cannot create spool directory ${file}`);
  });

  it('maps edge.yaml spool settings', () => {
    expect(spoolOptionsFromConfig({ dir: '/var/x', max_bytes: 5, max_age: 7 })).toEqual({
      dir: '/var/x',
      maxBytes: 5,
      maxAgeS: 7,
    });
  });
});

describe('recovery on open', () => {
  it('removes temp files, JPEGs without rows and rows without JPEGs', async () => {
    const dir = await tempDir();
    const spool = openSpool(dir);
    const kept = makeFrame('kept', T0, 2_000);
    const gone = makeFrame('gone', T0, 2_000);
    await spool.accept(kept.frame, kept.jpeg);
    await spool.accept(gone.frame, gone.jpeg);
    await spool.close();
    const blobs = path.join(dir, 'blobs');
    // What crashes leave behind: an interrupted temp write and a JPEG whose row never committed.
    writeFileSync(path.join(blobs, '.tmp-half.jpg-1a2b3c'), 'partial');
    writeFileSync(path.join(blobs, 'uncommitted.jpg'), makeFrame('u', T0, 500).jpeg);
    // Outside damage: a spooled JPEG deleted.
    rmSync(path.join(blobs, 'gone.jpg'));
    const again = openSpool(dir);
    expect(again.openReport).toEqual({
      tempFilesRemoved: 1,
      orphanFilesRemoved: 1,
      lostFrames: ['gone'],
    });
    expect(readdirSync(blobs)).toEqual(['kept.jpg']);
    expect(again.stats(T0)).toMatchObject({ items: 1, dropped: { lost: 1 } });
    expect(sha256(await again.readJpeg('kept'))).toBe(kept.sha256);
  });

  it('drops a frame whose JPEG was damaged when it is read', async () => {
    const dir = await tempDir();
    const spool = openSpool(dir);
    const t = makeFrame('bitrot', T0, 2_000);
    await spool.accept(t.frame, t.jpeg);
    const flipped = Buffer.from(t.jpeg);
    flipped[100] = (flipped[100] ?? 0) ^ 0xff;
    writeFileSync(path.join(dir, 'blobs', 'bitrot.jpg'), flipped);
    const e = await rejection(spool.readJpeg('bitrot'));
    expect(e.code).toBe('corrupt');
    expect(spool.stats(T0)).toMatchObject({ items: 0, dropped: { corrupt: 1 } });
  });

  it('moves a corrupt database and its blobs aside and starts empty', async () => {
    const dir = await tempDir();
    const spool = openSpool(dir);
    const t = makeFrame('before', T0, 2_000);
    await spool.accept(t.frame, t.jpeg);
    await spool.close();
    const db = path.join(dir, 'spool.db');
    const bytes = readFileSync(db);
    bytes.write('garbage, not SQLite', 0); // the 16-byte header magic
    writeFileSync(db, bytes);
    rmSync(`${db}-wal`, { force: true });
    const again = openSpool(dir);
    const c = again.openReport.corruption;
    expect(c?.reason).toMatch(/not a database/);
    expect(c?.movedTo.map((p) => path.basename(p).replace(/-corrupt-.*|\.corrupt-.*/, ''))).toEqual(
      ['spool.db', 'blobs'],
    );
    // The old JPEG is kept for inspection, the new spool is empty and works.
    const keptBlob = c?.movedTo.find((p) => path.basename(p).startsWith('blobs')) ?? '';
    expect(sha256(readFileSync(path.join(keptBlob, 'before.jpg')))).toBe(t.sha256);
    expect(again.stats(T0).items).toBe(0);
    const n = makeFrame('after', T0, 1_000);
    await again.accept(n.frame, n.jpeg);
    expect(again.next(T0)?.frameId).toBe('after');
  });

  it('moves aside a database whose pages fail quick_check', async () => {
    const dir = await tempDir();
    const spool = openSpool(dir);
    for (let i = 0; i < 40; i++) {
      const t = makeFrame(`p${i}`, T0 - 1_000 + i, 1_000);
      await spool.accept(t.frame, t.jpeg);
    }
    await spool.close();
    const db = path.join(dir, 'spool.db');
    const bytes = readFileSync(db);
    expect(bytes.length).toBeGreaterThan(4 * 4096);
    // Scribble over the third 4 KiB page (a b-tree page; the header on page 1 stays valid).
    bytes.fill(0x5a, 2 * 4096, 3 * 4096);
    writeFileSync(db, bytes);
    const again = openSpool(dir);
    expect(again.openReport.corruption?.reason).toMatch(/corrupt|malformed|quick_check/i);
    expect(again.stats(T0).items).toBe(0);
    expect(readdirSync(dir).filter((n) => n.includes('.corrupt-')).length).toBe(2);
  });

  it.skipIf(!sqliteCli.ok)(
    'migrates a version-1 database in place and refuses a newer one',
    async () => {
      const dir = await tempDir();
      const spool = openSpool(dir);
      const t = makeFrame('v1row', T0, 1_000);
      await spool.accept(t.frame, t.jpeg);
      await spool.close();
      // Rebuild the file as schema v1 (no last_error column) holding the same row.
      const file = path.join(dir, 'spool.db');
      sqlite(file, 'ALTER TABLE items DROP COLUMN last_error; PRAGMA user_version = 1;');
      expect(
        sqlite(file, "SELECT count(*) FROM pragma_table_info('items') WHERE name = 'last_error'"),
      ).toBe('0');
      const again = openSpool(dir);
      again.retryLater('v1row', 'boom', T0);
      expect(again.next(T0 + 10 * 60_000)).toMatchObject({ frameId: 'v1row', lastError: 'boom' });
      await again.close();
      expect(sqlite(file, 'PRAGMA user_version')).toBe(String(SCHEMA_VERSION));
      expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
      sqlite(file, `PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
      let err: unknown;
      try {
        openSpool(dir);
      } catch (e) {
        err = e;
      }
      expect((err as SpoolError).code).toBe('schema_too_new');
      expect((err as SpoolError).message).toContain(
        `newer than this build understands (${SCHEMA_VERSION})`,
      );
    },
  );
});
