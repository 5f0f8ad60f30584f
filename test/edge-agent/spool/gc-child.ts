// Run by gc.test.ts. Works a spool (or, with "control", a bare better-sqlite3 connection that
// prepares a throwaway statement each tick) on a timer while making garbage, then prints
// "survived". On Node >= 24.19 with better-sqlite3 12, a collected statement aborts the process.
// Usage: node gc-child.ts <dir> spool|control
import Database from 'better-sqlite3';
import path from 'node:path';
import { Spool } from '../../../edge-agent/src/spool/spool.ts';
import { makeFrame } from './frames.ts';

const [dir = '', mode = 'spool'] = process.argv.slice(2);
const TICKS = 250;
const spool =
  mode === 'spool' ? Spool.open({ dir, maxBytes: 2 ** 20, maxAgeS: 86_400 }) : undefined;
const control = mode === 'control' ? new Database(path.join(dir, 'control.db')) : undefined;
let junk: object[] = [];
let n = 0;
let started = 0;

async function tick(k: number): Promise<void> {
  if (spool) {
    const t = makeFrame(`g${k}`, Date.now() - 1_000, 2_000);
    await spool.accept(t.frame, t.jpeg);
    spool.retryLater(t.frame.frameId, 'simulated failure', Date.now() - 10_000);
    const item = spool.next(Date.now());
    if (item && k % 2 === 0) {
      spool.markBlobUploaded(item.frameId);
      spool.markPublished(item.frameId);
    }
    spool.stats();
  } else {
    control?.prepare('SELECT 1').get();
  }
  junk = Array.from({ length: 20_000 }, (_, i) => ({ i, s: 'x'.repeat(50) }));
}

const timer = setInterval(() => {
  if (started >= TICKS) return;
  tick(started++).then(
    async () => {
      if (++n < TICKS) return;
      clearInterval(timer);
      await spool?.close();
      control?.close();
      process.stdout.write(`survived ${n} ticks (${junk.length})\n`);
    },
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exit(1);
    },
  );
}, 5);
