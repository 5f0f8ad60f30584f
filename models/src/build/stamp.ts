// Rebuild only when something that decides the output changed: the source files' bytes, the
// converter version, or the output file itself (deleted or edited by hand).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

export const stampSchema = z.object({
  converterVersion: z.string(),
  sources: z.record(z.string(), z.string()),
  outputs: z.record(z.string(), z.string()),
});
export type Stamp = z.infer<typeof stampSchema>;

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function sha256File(file: string): string {
  return sha256(readFileSync(file));
}

export type StampVerdict = { rebuild: false } | { rebuild: true; reason: string };

/** Pure decision: `outputsNow` maps each recorded output to its current sha256 (undefined if missing). */
export function compareStamp(
  previous: Stamp | undefined,
  wanted: Pick<Stamp, 'converterVersion' | 'sources'>,
  outputsNow: Record<string, string | undefined>,
): StampVerdict {
  if (!previous) return { rebuild: true, reason: 'not built yet' };
  if (previous.converterVersion !== wanted.converterVersion)
    return {
      rebuild: true,
      reason: `converter ${previous.converterVersion} → ${wanted.converterVersion}`,
    };
  const names = new Set([...Object.keys(previous.sources), ...Object.keys(wanted.sources)]);
  for (const n of [...names].sort())
    if (previous.sources[n] !== wanted.sources[n])
      return { rebuild: true, reason: `source ${n} changed` };
  for (const [file, sha] of Object.entries(previous.outputs)) {
    const now = outputsNow[file];
    if (now === undefined) return { rebuild: true, reason: `${file} is missing` };
    if (now !== sha) return { rebuild: true, reason: `${file} was modified` };
  }
  return { rebuild: false };
}

export function readStamp(file: string): Stamp | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = stampSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined; // unreadable stamp: just rebuild
  } catch {
    return undefined;
  }
}

export function writeStamp(file: string, stamp: Stamp): void {
  writeFileSync(file, `${JSON.stringify(stamp, null, 2)}\n`);
}
