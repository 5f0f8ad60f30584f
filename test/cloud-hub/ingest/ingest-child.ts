// Child process for the SIGKILL test: the hub's ingest alone on a ledger file, connected to an
// external broker with the hub's persistent session (hub.yaml → ingestSessionOptions). Prints
// "ready" once subscribed and "got <n>" as messages arrive, so the test can kill it mid-stream.
// Usage: node ingest-child.ts BROKER_URL LEDGER MAX_WAIT_MS MAX_ITEMS
import { hubFileSchema } from '@pretag/shared/config/hub-schema';
import { startIngest } from '../../../cloud-hub/src/ingest/index.ts';
import { ingestSessionOptions } from '../../../cloud-hub/src/ingest/session.ts';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';

const [url, file, waitArg, itemsArg] = process.argv.slice(2);
if (!url || !file || !waitArg || !itemsArg)
  throw new Error('usage: ingest-child.ts BROKER_URL LEDGER MAX_WAIT_MS MAX_ITEMS');
const ext = hubFileSchema.parse({ mqtt: { external: { url } } }).mqtt.external;
if (!ext) throw new Error('no external broker in the parsed hub.yaml');
const ledger = openLedger(file);
const ingest = await startIngest({
  ledger,
  url,
  clientOptions: { ...ingestSessionOptions(ext, 'pretag/v1'), reconnectPeriod: 1_000 },
  maxWaitMs: Number(waitArg),
  maxItems: Number(itemsArg),
});
let got = 0;
ingest.client.on('message', () => process.stdout.write(`got ${++got}\n`));
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void ingest.close().then(() => {
    ledger.close();
    process.exit(0);
  });
});
