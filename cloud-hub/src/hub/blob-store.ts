// The hub's blob store from hub.yaml `blob`: its own folder (default) or an Azure container.
import { AzureBlobStore } from '@pretag/shared/blob/azure-store';
import { FsBlobStore } from '@pretag/shared/blob/fs-store';
import type { BlobStore } from '@pretag/shared/blob/store';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import type { HubPaths } from './paths.ts';
import { readSecretFile } from './secret-file.ts';

type AzureSettings = NonNullable<HubConfig['blob']['azure']>;

/** The connection string, inline or from blob.azure.connection_string_file (a mounted Secret). */
export function azureConnectionString(azure: AzureSettings, configDir: string): string | undefined {
  if (azure.connection_string !== undefined) return azure.connection_string;
  return azure.connection_string_file === undefined
    ? undefined
    : readSecretFile(azure.connection_string_file, configDir, 'blob.azure.connection_string_file');
}

export function openBlobStore(config: HubConfig, paths: HubPaths): BlobStore {
  const azure = config.blob.azure;
  if (azure) {
    const connectionString = azureConnectionString(azure, paths.configDir);
    if (connectionString !== undefined)
      return new AzureBlobStore({ connectionString, container: azure.container });
    if (azure.sas_url !== undefined) return new AzureBlobStore({ containerSasUrl: azure.sas_url });
  }
  if (!paths.blobDir) throw new Error('hub.yaml: no blob store configured');
  return new FsBlobStore(paths.blobDir);
}
