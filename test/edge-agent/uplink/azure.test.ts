// The Azure path: the same drain against a real Azurite with AzureBlobStore (create-only puts),
// metadata through an in-process aedes broker.
import { afterAll, beforeAll, describe } from 'vitest';
import { it } from 'vitest';
import { AzureBlobStore } from '@pretag/shared/blob/azure-store';
import { startAzurite } from '../../helpers/azurite.ts';
import type { AzuriteStart } from '../../helpers/azurite.ts';
import { drainScenario } from './drain.ts';
import { SITE, startAedes } from './harness.ts';
import type { RunningAedes } from './harness.ts';

const az: AzuriteStart = await startAzurite();

describe.skipIf(!az.ok)(`uplink to Azure Blob (Azurite) ${az.reason}`, () => {
  let broker: RunningAedes;
  beforeAll(async () => {
    broker = await startAedes();
  });
  afterAll(async () => {
    await broker?.stop();
    if (az.ok) await az.azurite.stop();
  });

  it('delivers spooled frames in order with each JPEG intact in the container', async () => {
    if (!az.ok) return;
    const blobs = new AzureBlobStore({
      connectionString: az.azurite.connectionString,
      container: 'frames',
      writeOnce: true,
      allowedPrefix: `frames/${SITE}/`,
      maxTries: 2,
      retryDelayMs: 100,
    });
    await drainScenario(broker.url, blobs, 'azure');
  });
});
