// Crash-safe file writes: a reader (or a reboot) sees either no file or the whole file.
import { constants } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Prefix of in-progress writes; anything with it is garbage after a crash. */
export const TEMP_PREFIX = '.tmp-';

/** fsync a directory so a rename or create in it survives power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Write `data` to `dir/name` durably: temp file, write, fsync, rename over the name, fsync the
 * directory. On failure the temp file is removed and the error (e.g. ENOSPC) is rethrown.
 */
export async function writeFileDurable(dir: string, name: string, data: Uint8Array): Promise<void> {
  const tmp = path.join(dir, `${TEMP_PREFIX}${name}-${randomBytes(6).toString('hex')}`);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path.join(dir, name));
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dir);
}
