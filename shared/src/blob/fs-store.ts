// Blob store on a local directory (the hub's embedded store). Keys are validated by the
// whitelist in keys.ts, and every path is also checked after resolving symlinks, so nothing is
// read or written outside the root even if someone plants a symlink inside it. Writes go to a
// temp file that is fsynced and renamed over the final name: a crash leaves either the old blob
// or the new one, never half of one.
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import {
  lstat,
  mkdir,
  open,
  readFile,
  readdir,
  realpath,
  rename,
  stat,
  unlink,
} from 'node:fs/promises';
import path from 'node:path';
import { assertBlobKey, blobKeyProblem } from './keys.ts';
import type { BlobInfo, BlobStore, PutOptions } from './store.ts';
import { contentTypeProblem, impliedContentType } from './store.ts';

/** Thrown when a key would resolve outside the store's root (through a symlink). */
export class BlobPathError extends Error {
  override name = 'BlobPathError';
}

const typeFileOf = (file: string): string =>
  path.join(path.dirname(file), `.${path.basename(file)}.type`);

function isNotFound(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the rename itself durable. Some filesystems refuse fsync on a directory; that is fine.
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* best effort */
  }
}

export class FsBlobStore implements BlobStore {
  readonly rootDir: string;
  #realRoot: Promise<string> | undefined;

  constructor(rootDir: string) {
    this.rootDir = path.resolve(rootDir);
  }

  /** The root's real path, created on first use. */
  #root(): Promise<string> {
    // A failure (say, a missing mount) is not cached: the next call tries again.
    this.#realRoot ??= mkdir(this.rootDir, { recursive: true })
      .then(() => realpath(this.rootDir))
      .catch((e: unknown) => {
        this.#realRoot = undefined;
        throw e;
      });
    return this.#realRoot;
  }

  #inside(root: string, p: string): boolean {
    const rel = path.relative(root, p);
    return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
  }

  /**
   * Walk `segments` below the root one level at a time, creating folders when asked, and
   * refusing any level that is (or resolves through a symlink to) something outside the root.
   * Returns the real folder path, or undefined when it does not exist (and `create` is false).
   */
  async #folder(segments: readonly string[], create: boolean): Promise<string | undefined> {
    const root = await this.#root();
    let dir = root;
    for (const seg of segments) {
      let next = path.join(dir, seg);
      let st = await lstatOrUndefined(next);
      if (!st) {
        if (!create) return undefined;
        try {
          await mkdir(next);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
        st = await lstat(next);
      }
      if (st.isSymbolicLink()) {
        const real = await realpath(next).catch(() => undefined);
        if (real === undefined || !this.#inside(root, real))
          throw new BlobPathError(`"${segments.join('/')}" leads outside the blob store root`);
        next = real;
        st = await stat(real);
      }
      if (!st.isDirectory()) {
        if (!create) return undefined;
        throw new BlobPathError(
          `"${segments.join('/')}" runs into a blob where a folder is needed`,
        );
      }
      dir = next;
    }
    return dir;
  }

  /** Real path of an existing regular file for `key`, or undefined. */
  async #existingFile(key: string): Promise<string | undefined> {
    const segs = assertBlobKey(key).split('/');
    const dir = await this.#folder(segs.slice(0, -1), false);
    if (dir === undefined) return undefined;
    let file = path.join(dir, segs[segs.length - 1] ?? '');
    let st = await lstatOrUndefined(file);
    if (!st) return undefined;
    if (st.isSymbolicLink()) {
      const root = await this.#root();
      const real = await realpath(file).catch(() => undefined);
      if (real === undefined) return undefined;
      if (!this.#inside(root, real))
        throw new BlobPathError(`"${key}" leads outside the blob store root`);
      file = real;
      st = await stat(real);
    }
    return st.isFile() ? file : undefined;
  }

  async put(key: string, bytes: Uint8Array, options: PutOptions = {}): Promise<void> {
    const segs = assertBlobKey(key).split('/');
    const type = options.contentType ?? impliedContentType(key);
    const typeBad = contentTypeProblem(type);
    if (typeBad)
      throw new TypeError(`content type ${JSON.stringify(String(type).slice(0, 80))} ${typeBad}`);
    const dir = await this.#folder(segs.slice(0, -1), true);
    if (dir === undefined) throw new BlobPathError(`cannot create the folder for "${key}"`);
    const file = path.join(dir, segs[segs.length - 1] ?? '');
    const existing = await lstatOrUndefined(file);
    if (existing?.isDirectory()) throw new BlobPathError(`"${key}" is a folder of other blobs`);
    // The metadata file goes first: after a crash the worst case is the old bytes with the new
    // type, never new bytes without their type.
    if (type === impliedContentType(key)) await unlink(typeFileOf(file)).catch(() => undefined);
    else await this.#writeAtomic(typeFileOf(file), Buffer.from(type));
    await this.#writeAtomic(file, bytes);
    await fsyncDir(dir);
  }

  async #writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
    const tmp = path.join(
      path.dirname(file),
      `.tmp-${process.pid}-${randomBytes(8).toString('hex')}`,
    );
    // 'wx' = O_CREAT|O_EXCL: never follows or reuses an existing name.
    const fh = await open(tmp, 'wx', 0o644);
    try {
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const file = await this.#existingFile(key);
    if (file === undefined) return undefined;
    try {
      return await readFile(file);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    const file = await this.#existingFile(key);
    if (file === undefined) return undefined;
    return this.#info(key, file);
  }

  async #info(key: string, file: string): Promise<BlobInfo | undefined> {
    let st: Stats;
    try {
      st = await stat(file);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    let contentType = impliedContentType(key);
    try {
      const stored = (await readFile(typeFileOf(file), 'utf8')).trim();
      if (!contentTypeProblem(stored)) contentType = stored;
    } catch {
      /* no metadata file: the extension decides */
    }
    return { key, size: st.size, contentType, lastModified: st.mtime };
  }

  async exists(key: string): Promise<boolean> {
    return (await this.#existingFile(key)) !== undefined;
  }

  async delete(key: string): Promise<boolean> {
    const file = await this.#existingFile(key);
    if (file === undefined) return false;
    try {
      await unlink(file);
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
    await unlink(typeFileOf(file)).catch(() => undefined);
    return true;
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    if (typeof prefix !== 'string') throw new TypeError('blob list prefix is not a string');
    if (prefix !== '') {
      const asKey = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
      assertBlobKey(asKey);
    }
    // Start at the deepest folder the prefix names completely; the last segment may be partial.
    const whole = prefix.split('/').slice(0, -1);
    const dir = await this.#folder(whole, false);
    if (dir === undefined) return;
    const root = await this.#root();
    yield* this.#walk(root, dir, whole.length ? `${whole.join('/')}/` : '', prefix);
  }

  async *#walk(
    root: string,
    dir: string,
    keyBase: string,
    prefix: string,
  ): AsyncGenerator<BlobInfo> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    // Sorting "name/" for folders gives exactly the lexicographic order of the full keys.
    const named = entries
      .filter((d) => !d.name.startsWith('.'))
      .map((d) => ({ d, sortKey: d.isDirectory() ? `${d.name}/` : d.name }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const { d } of named) {
      const key = keyBase + d.name;
      if (blobKeyProblem(key)) continue; // a file someone put there by hand; not a blob
      const full = path.join(dir, d.name);
      if (d.isDirectory()) {
        const sub = `${key}/`;
        if (sub.startsWith(prefix) || prefix.startsWith(sub))
          yield* this.#walk(root, full, sub, prefix);
      } else if (key.startsWith(prefix)) {
        let file = full;
        if (d.isSymbolicLink()) {
          // Symlinked files inside the root are listed; symlinked folders are not followed
          // (they could loop), and anything resolving outside the root is skipped.
          const real = await realpath(full).catch(() => undefined);
          if (real === undefined || !this.#inside(root, real)) continue;
          const st = await stat(real).catch(() => undefined);
          if (!st?.isFile()) continue;
          file = real;
        } else if (!d.isFile()) continue;
        const info = await this.#info(key, file);
        if (info) yield info;
      }
    }
  }
}
