// The external broker's password, read from hub.yaml's mqtt.external.password_file (relative to
// the config's folder), for the hub and for `pretag hub worker` alike.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '@pretag/shared/cli/errors';

export function readExternalPassword(
  file: string | undefined,
  configDir: string,
): string | undefined {
  if (file === undefined) return undefined;
  const full = path.resolve(configDir, file);
  try {
    return readFileSync(full, 'utf8').trim();
  } catch (err) {
    throw new CliError(
      `mqtt.external.password_file: cannot read ${full}: ${(err as Error).message}`,
    );
  }
}
