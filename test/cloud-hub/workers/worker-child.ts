// Child process for the restart test: an in-process detection worker on a ledger file with the
// real detector, printing "done <jobId>" after each completion is committed.
// Usage: node worker-child.ts LEDGER BLOB_DIR LEASE_MS MAX_FRAMES
import { FsBlobStore } from '@pretag/shared/blob/fs-store';
import { PERMISSIVE_RULES } from '../../../cloud-hub/src/cleanup/rules.ts';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import { startWorker, stopOnSignals } from '../../../cloud-hub/src/workers/index.ts';
import { cloudDetector } from './fixture.ts';

const [file, blobDir, leaseArg, framesArg] = process.argv.slice(2);
if (!file || !blobDir)
  throw new Error('usage: worker-child.ts LEDGER BLOB_DIR LEASE_MS MAX_FRAMES');
const ledger = openLedger(file);
const detector = await cloudDetector();
const worker = startWorker({
  ledger,
  blobs: new FsBlobStore(blobDir),
  detector,
  rulesFor: () => ({ ...PERMISSIVE_RULES, minScore: 0.3 }),
  leaseMs: Number(leaseArg),
  maxFrames: Number(framesArg),
  maxWaitMs: 0,
  idleMs: 100,
  onJob: (id, outcome) =>
    process.stdout.write(`${outcome === 'completed' ? 'done' : outcome} ${id}\n`),
});
process.stdout.write('ready\n');
stopOnSignals(worker, () => process.exit(0));
// Idle is not finished while another worker's leases may still run out and come back.
for (;;) {
  await worker.drained();
  const c = ledger.jobs.counts();
  if (c.queued + c.leased + c.failed === 0) break;
}
process.stdout.write('finished\n');
await worker.stop();
ledger.close();
await detector.close();
