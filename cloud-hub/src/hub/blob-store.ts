// The hub's blob store from hub.yaml `blob`: its own folder (default) or an Azure container.
import { AzureBlobStore } from '@pretag/shared/blob/azure-store';
import { FsBlobStore } from '@pretag/shared/blob/fs-store';
import type { BlobStore } from '@pretag/shared/blob/store';
import type { HubConfig } from '@pretag/shared/config/hub-schema';
import type { HubPaths } from './paths.ts';

export function openBlobStore(config: HubConfig, paths: HubPaths): BlobStore {
  const azure = config.blob.azure;
  if (azure) {
    if (azure.connection_string !== undefined)
      return new AzureBlobStore({
        connectionString: azure.connection_string,
        container: azure.container,
      });
    if (azure.sas_url !== undefined) return new AzureBlobStore({ containerSasUrl: azure.sas_url });
  }
  if (!paths.blobDir) throw new Error('hub.yaml: no blob store configured');
  return new FsBlobStore(paths.blobDir);
}
