// Test media lives beside the repo in ../shared/media (never copied in). Tests that need it
// skip with a printed reason when it is absent; PRETAG_MEDIA overrides the location.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const mediaDir = process.env.PRETAG_MEDIA ?? path.resolve(repoRoot, '..', 'shared', 'media');

export interface MediaCheck {
  /** True when every requested file exists. */
  ok: boolean;
  /** Absolute paths, in the order requested. */
  paths: string[];
  /** Why the test is skipped, when it is. */
  reason: string;
}

/**
 * Resolve media files relative to ../shared/media. When any is missing, prints the reason once
 * so that a skipped test says why. Use with `describe.skipIf(!m.ok)`.
 */
export function needMedia(...rels: string[]): MediaCheck {
  const paths = rels.map((r) => path.join(mediaDir, r));
  const missing = paths.filter((p) => !existsSync(p));
  const reason = missing.length ? `test media not found: ${missing.join(', ')}` : '';
  if (missing.length) console.warn(`SKIP: ${reason}`);
  return { ok: missing.length === 0, paths, reason };
}
