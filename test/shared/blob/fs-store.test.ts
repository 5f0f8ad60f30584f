import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobPathError, FsBlobStore } from '../../../shared/src/blob/fs-store.ts';
import { BlobKeyError } from '../../../shared/src/blob/keys.ts';
import type { BlobInfo } from '../../../shared/src/blob/store.ts';

const storeModule = fileURLToPath(new URL('../../../shared/src/blob/fs-store.ts', import.meta.url));

let base: string;
let rootDir: string;
let outside: string;
let store: FsBlobStore;

/** Every path under `dir` with file contents, to prove nothing changed. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const p = path.join(e.parentPath, e.name);
    out[path.relative(dir, p)] = e.isFile()
      ? await readFile(p, 'utf8')
      : `<${e.isDirectory() ? 'dir' : 'link'}>`;
  }
  return out;
}

async function collect(it: AsyncIterable<BlobInfo>): Promise<string[]> {
  const keys: string[] = [];
  for await (const b of it) keys.push(b.key);
  return keys;
}

beforeEach(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'pretag-blob-'));
  rootDir = path.join(base, 'root');
  outside = path.join(base, 'outside');
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), 'do not touch');
  store = new FsBlobStore(rootDir);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('FsBlobStore basics', () => {
  it('stores, reads, describes and deletes a blob', async () => {
    const key = 'frames/s/c/2026/03/05/f-1.jpg';
    const bytes = Buffer.from('\xff\xd8 pretend jpeg', 'latin1');
    expect(await store.exists(key)).toBe(false);
    expect(await store.get(key)).toBeUndefined();
    await store.put(key, bytes);
    expect(Buffer.from((await store.get(key)) ?? [])).toEqual(bytes);
    // On disk at the path the key names, under the root.
    expect(await readFile(path.join(rootDir, 'frames/s/c/2026/03/05/f-1.jpg'))).toEqual(bytes);
    const info = await store.head(key);
    expect(info).toMatchObject({ key, size: bytes.length, contentType: 'image/jpeg' });
    expect(info?.lastModified).toBeInstanceOf(Date);
    expect(await store.exists(key)).toBe(true);
    expect(await store.delete(key)).toBe(true);
    expect(await store.delete(key)).toBe(false);
    expect(await store.get(key)).toBeUndefined();
  });

  it('replaces a blob on a second put and keeps an explicit content type', async () => {
    await store.put('a/b.bin', Buffer.from('one'), { contentType: 'application/x-test' });
    await store.put('a/b.bin', Buffer.from('second'), { contentType: 'text/csv' });
    expect(Buffer.from((await store.get('a/b.bin')) ?? []).toString()).toBe('second');
    expect(await store.head('a/b.bin')).toMatchObject({ size: 6, contentType: 'text/csv' });
    await store.put('a/b.bin', Buffer.from('x'));
    expect((await store.head('a/b.bin'))?.contentType).toBe('application/octet-stream');
  });

  it('refuses a malformed content type', async () => {
    await expect(
      store.put('a.txt', Buffer.from('x'), { contentType: 'text/plain\r\nX-Evil: 1' }),
    ).rejects.toThrow(/content type "text\/plain\\r\\nX-Evil: 1" is not a plain "type\/subtype"/);
    expect(await store.exists('a.txt')).toBe(false);
  });

  it('lists by string prefix in key order, skipping temp and hidden files', async () => {
    for (const k of ['b/2.jpg', 'a/x/1.jpg', 'a.b', 'a/y.jpg', 'ab/1.jpg', 'a/x/0.jpg'])
      await store.put(k, Buffer.from(k));
    // Leftovers of an interrupted write and a metadata file are not blobs.
    await writeFile(path.join(rootDir, 'a', '.tmp-999-deadbeef'), 'partial');
    await writeFile(path.join(rootDir, 'a', 'bad name.jpg'), 'not a valid key');
    expect(await collect(store.list(''))).toEqual([
      'a.b',
      'a/x/0.jpg',
      'a/x/1.jpg',
      'a/y.jpg',
      'ab/1.jpg',
      'b/2.jpg',
    ]);
    expect(await collect(store.list('a/'))).toEqual(['a/x/0.jpg', 'a/x/1.jpg', 'a/y.jpg']);
    expect(await collect(store.list('a'))).toEqual([
      'a.b',
      'a/x/0.jpg',
      'a/x/1.jpg',
      'a/y.jpg',
      'ab/1.jpg',
    ]);
    expect(await collect(store.list('a/x/1'))).toEqual(['a/x/1.jpg']);
    expect(await collect(store.list('zzz/'))).toEqual([]);
    const [first] = await collect(store.list('b/'));
    expect(first).toBe('b/2.jpg');
  });

  it('refuses a key that collides with a folder or runs through a blob', async () => {
    await store.put('a/b', Buffer.from('x'));
    await expect(store.put('a', Buffer.from('y'))).rejects.toThrow(/is a folder of other blobs/);
    await expect(store.put('a/b/c', Buffer.from('y'))).rejects.toThrow(
      /runs into a blob where a folder is needed/,
    );
    expect(await store.get('a')).toBeUndefined();
  });
});

describe('FsBlobStore path-escape attempts', () => {
  const hostile = [
    '../outside/secret.txt',
    '../evil.jpg',
    'frames/../../evil.jpg',
    '/etc/passwd',
    `${'/tmp'}/evil.jpg`,
    'frames\\..\\..\\evil.jpg',
    'frames/evil\0.jpg',
    'frames//evil.jpg',
    'frames/%2e%2e/%2e%2e/evil.jpg',
    'frames/\uFF0E\uFF0E/evil.jpg',
    '..',
    '.',
    '',
    'x'.repeat(2000),
  ];

  it.each(hostile)('refuses %j for every operation and writes nothing outside', async (key) => {
    const before = await snapshot(base);
    await expect(store.put(key, Buffer.from('evil'))).rejects.toBeInstanceOf(BlobKeyError);
    await expect(store.get(key)).rejects.toBeInstanceOf(BlobKeyError);
    await expect(store.head(key)).rejects.toBeInstanceOf(BlobKeyError);
    await expect(store.exists(key)).rejects.toBeInstanceOf(BlobKeyError);
    await expect(store.delete(key)).rejects.toBeInstanceOf(BlobKeyError);
    const after = await snapshot(base);
    // The root folder may now exist (created on first use) but is empty; nothing else changed.
    expect(Object.keys(after).filter((p) => p !== 'root')).toEqual(
      Object.keys(before).filter((p) => p !== 'root'),
    );
    expect(after).toMatchObject(before);
    expect(existsSync('/tmp/evil.jpg')).toBe(false);
  });

  it('refuses a list prefix that escapes', async () => {
    await expect(collect(store.list('../'))).rejects.toBeInstanceOf(BlobKeyError);
    await expect(collect(store.list('/etc'))).rejects.toBeInstanceOf(BlobKeyError);
  });

  it('refuses to write through a symlinked folder that points outside the root', async () => {
    await mkdir(rootDir, { recursive: true });
    await symlink(outside, path.join(rootDir, 'frames'));
    const before = await snapshot(outside);
    await expect(store.put('frames/s/c/x.jpg', Buffer.from('evil'))).rejects.toBeInstanceOf(
      BlobPathError,
    );
    await expect(store.put('frames/x.jpg', Buffer.from('evil'))).rejects.toBeInstanceOf(
      BlobPathError,
    );
    await expect(store.get('frames/secret.txt')).rejects.toBeInstanceOf(BlobPathError);
    await expect(store.delete('frames/secret.txt')).rejects.toBeInstanceOf(BlobPathError);
    expect(await collect(store.list(''))).toEqual([]);
    expect(await snapshot(outside)).toEqual(before);
  });

  it('refuses to read or delete through a symlinked file that points outside the root', async () => {
    await mkdir(rootDir, { recursive: true });
    await symlink(path.join(outside, 'secret.txt'), path.join(rootDir, 'leak.txt'));
    await expect(store.get('leak.txt')).rejects.toBeInstanceOf(BlobPathError);
    await expect(store.head('leak.txt')).rejects.toBeInstanceOf(BlobPathError);
    await expect(store.delete('leak.txt')).rejects.toBeInstanceOf(BlobPathError);
    expect(await collect(store.list(''))).toEqual([]);
    // A put replaces the link itself; the file it pointed at is untouched.
    await store.put('leak.txt', Buffer.from('mine'));
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('do not touch');
    expect(Buffer.from((await store.get('leak.txt')) ?? []).toString()).toBe('mine');
  });

  it('follows a symlink that stays inside the root', async () => {
    await store.put('real/x.jpg', Buffer.from('inside'));
    await symlink(path.join(rootDir, 'real'), path.join(rootDir, 'alias'));
    expect(Buffer.from((await store.get('alias/x.jpg')) ?? []).toString()).toBe('inside');
  });
});

describe('FsBlobStore atomic writes', () => {
  it('never lets a reader see a half-written blob while it is replaced', async () => {
    const size = 4 * 1024 * 1024;
    const a = Buffer.alloc(size, 0x61);
    const b = Buffer.alloc(size, 0x62);
    await store.put('big.bin', a);
    let writing = true;
    const reads: Uint8Array[] = [];
    const reader = (async () => {
      while (writing) {
        const got = await store.get('big.bin');
        if (got) reads.push(got.subarray(0, 1), got.subarray(-1), Uint8Array.of(got.length & 0xff));
        if (got && got.length !== size) throw new Error(`read ${got.length} bytes, not ${size}`);
        if (got && got[0] !== got[got.length - 1]) throw new Error('read a mix of two writes');
      }
    })();
    for (let i = 0; i < 8; i++) await store.put('big.bin', i % 2 ? a : b);
    writing = false;
    await reader;
    expect(reads.length).toBeGreaterThan(0);
  });

  it('leaves no blob under the final key when the writer is killed mid-write', async () => {
    const size = 64 * 1024 * 1024;
    const script = `
      import { FsBlobStore } from ${JSON.stringify(storeModule)};
      const store = new FsBlobStore(${JSON.stringify(rootDir)});
      await store.put('frames/s/c/big.jpg', Buffer.alloc(${size}, 1));
      console.log('done');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const dir = path.join(rootDir, 'frames/s/c');
    // Wait for the temp file to appear, then kill the writer without warning.
    let sawTemp = false;
    for (let i = 0; i < 2000 && !sawTemp; i++) {
      const names = await readdir(dir).catch(() => [] as string[]);
      sawTemp = names.some((n) => n.startsWith('.tmp-'));
      if (!sawTemp) await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(sawTemp).toBe(true);
    // Either the rename had not happened (no blob) or it had (the whole blob): never a part.
    const head = await store.head('frames/s/c/big.jpg');
    if (head) expect(head.size).toBe(size);
    else expect(await store.get('frames/s/c/big.jpg')).toBeUndefined();
    expect(await collect(store.list(''))).toEqual(head ? ['frames/s/c/big.jpg'] : []);
  });
});
