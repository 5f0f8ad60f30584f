// Secrets hub.yaml names by file (a mounted Kubernetes or compose secret), read relative to the
// config's folder, for the hub and `pretag hub worker` alike. Errors name the key and full path.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '@pretag/shared/cli/errors';

/** The trimmed contents of `file`; `key` is the hub.yaml key path that named it. */
export function readSecretFile(file: string, configDir: string, key: string): string {
  const full = path.resolve(configDir, file);
  let text: string;
  try {
    text = readFileSync(full, 'utf8').trim();
  } catch (err) {
    throw new CliError(`${key}: cannot read ${full}: ${(err as Error).message}`);
  }
  if (text === '') throw new CliError(`${key}: ${full} is empty`);
  return text;
}

/** The external broker's password from mqtt.external.password_file, if one is named. */
export function readExternalPassword(
  file: string | undefined,
  configDir: string,
): string | undefined {
  return file === undefined
    ? undefined
    : readSecretFile(file, configDir, 'mqtt.external.password_file');
}
