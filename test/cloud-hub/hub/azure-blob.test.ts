// The hub's (and `pretag hub worker`'s) blob store opened from hub.yaml with
// blob.azure.connection_string_file, against a real Azurite; bytes are checked through the Azure
// SDK directly. A missing file stops the process with an error naming the key and the full path.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../../../shared/src/cli/errors.ts';
import { loadConfigFile } from '../../../shared/src/config/load.ts';
import { openBlobStore } from '../../../cloud-hub/src/hub/blob-store.ts';
import { hubPaths } from '../../../cloud-hub/src/hub/paths.ts';
import { startAzurite } from '../../helpers/azurite.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'pretag-hub-azure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes hub.yaml naming `secretFile` (relative to hub.yaml's folder) and opens its store. */
function openFrom(secretFile: string, container: string) {
  const configFile = path.join(dir, 'hub.yaml');
  writeFileSync(
    configFile,
    `blob:\n  azure:\n    connection_string_file: ${secretFile}\n    container: ${container}\n`,
  );
  const loaded = loadConfigFile(configFile, 'hub');
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  if (!('listen' in loaded.config)) throw new Error('not a hub config');
  return openBlobStore(loaded.config, hubPaths(loaded.config, configFile));
}

describe('hub blob store from blob.azure.connection_string_file', () => {
  it('refuses a missing file, naming the key and the full path', () => {
    const full = path.join(dir, 'secrets', 'missing.txt');
    expect(() => openFrom('secrets/missing.txt', 'frames')).toThrow(CliError);
    expect(() => openFrom('secrets/missing.txt', 'frames')).toThrow(
      `blob.azure.connection_string_file: cannot read ${full}: ENOENT`,
    );
  });

  it('refuses an empty file, naming the key and the full path', () => {
    mkdirSync(path.join(dir, 'secrets'), { recursive: true });
    writeFileSync(path.join(dir, 'secrets', 'empty.txt'), '\n');
    expect(() => openFrom('secrets/empty.txt', 'frames')).toThrow(
      `blob.azure.connection_string_file: ${path.join(dir, 'secrets', 'empty.txt')} is empty`,
    );
  });
});

const started = await startAzurite();
const az = started.ok ? started.azurite : undefined;
afterAll(async () => {
  await az?.stop();
});
if (!started.ok) console.warn(`SKIP: Azurite: ${started.reason}`);

describe.skipIf(!started.ok)('hub blob store from a connection string file, on Azurite', () => {
  it('reads the file relative to hub.yaml (trailing newline trimmed) and stores into Azure', async () => {
    mkdirSync(path.join(dir, 'secrets'), { recursive: true });
    // As a Kubernetes Secret or `echo` writes it: a trailing newline.
    writeFileSync(path.join(dir, 'secrets', 'azure.txt'), `${az?.connectionString ?? ''}\n`);
    const store = openFrom('secrets/azure.txt', 'hubframes');
    const bytes = new TextEncoder().encode('a frame');
    await store.put('plant/cam-1/2026/11/27/f1.jpg', bytes);
    expect(await store.get('plant/cam-1/2026/11/27/f1.jpg')).toEqual(bytes);
    // The SDK, from the connection string itself, sees the same blob in the named container.
    const blob = BlobServiceClient.fromConnectionString(az?.connectionString ?? '')
      .getContainerClient('hubframes')
      .getBlobClient('plant/cam-1/2026/11/27/f1.jpg');
    expect(new Uint8Array(await blob.downloadToBuffer())).toEqual(bytes);
  });
});
