// Run by crash.test.ts: accepts frames into the spool in a loop (and acknowledges some) until it
// is killed. Each line on stdout is written only after the call it reports has returned:
//   A <frameId> <sha256>   accept() resolved
//   B <frameId>            markBlobUploaded() returned
//   P? <frameId>           about to call markPublished()
//   P <frameId>            markPublished() returned "deleted"
// Usage: node crash-child.ts <spoolDir> <round> <baseMs>
import { Spool } from '../../../edge-agent/src/spool/spool.ts';
import { jpegBytes, makeFrame } from './frames.ts';

const [dir = '', roundArg = '0', baseArg = '0'] = process.argv.slice(2);
const round = Number(roundArg);
const base = Number(baseArg);
const spool = Spool.open({ dir, maxBytes: 1024 * 2 ** 20, maxAgeS: 86_400 });
const say = (line: string) => process.stdout.write(`${line}\n`);

// JPEG bodies made up front, so the loop spends its time inside the spool, where kills should land.
const pool = Array.from({ length: 16 }, () =>
  jpegBytes(1_000 + Math.floor(Math.random() * 200_000)),
);
const accepted: string[] = [];
for (let i = 0; ; i++) {
  const frameId = `r${round}-f${String(i).padStart(5, '0')}`;
  const jpeg = pool[i % pool.length] ?? jpegBytes(1_000);
  const t = makeFrame(frameId, base + round * 10_000_000 + i * 1_000, jpeg.byteLength, { jpeg });
  await spool.accept(t.frame, t.jpeg);
  say(`A ${frameId} ${t.sha256}`);
  accepted.push(frameId);
  // Every third frame, deliver the oldest one this round accepted: blob first, then metadata.
  if (i % 3 === 2) {
    const id = accepted.shift() ?? '';
    spool.markBlobUploaded(id);
    say(`B ${id}`);
    if (Math.random() < 0.5) {
      say(`P? ${id}`);
      if (spool.markPublished(id) === 'deleted') say(`P ${id}`);
    }
  }
}
