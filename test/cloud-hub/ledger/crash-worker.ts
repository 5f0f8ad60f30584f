// Child process for crash.test.ts: a detection worker that leases jobs from a real ledger file
// and completes them, printing "done <jobId>" after each commit. With a stall count it stops
// mid-batch, holding its leases, and waits to be killed; without one it runs until killed.
// Usage: node crash-worker.ts FILE OWNER NOW_MS LEASE_MS BATCH STALL_AFTER(-1 = never)
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import { cloudResultFor } from './crash-result.ts';

const [file, owner, nowArg, leaseArg, batchArg, stallArg] = process.argv.slice(2);
if (!file || !owner) throw new Error('usage: crash-worker.ts FILE OWNER NOW LEASE BATCH STALL');
const now = Number(nowArg);
const leaseMs = Number(leaseArg);
const batch = Number(batchArg);
const stallAfter = Number(stallArg);

const ledger = openLedger(file);
let done = 0;
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function stallForever(): Promise<never> {
  say('stalled');
  setInterval(() => undefined, 60_000);
  return new Promise<never>(() => undefined);
}

for (;;) {
  const jobs = ledger.jobs.lease(owner, batch, leaseMs, now);
  if (jobs.length === 0) break;
  say(`leased ${jobs.map((j) => j.id).join(',')}`);
  for (const job of jobs) {
    if (stallAfter >= 0 && done >= stallAfter) await stallForever();
    const r = ledger.jobs.complete(job.id, owner, cloudResultFor(job.frameId, owner), 3, now);
    if (!r.ok) throw new Error(`complete refused: ${r.message}`);
    done++;
    say(`done ${job.id}`);
  }
}
say('finished');
ledger.close();
