// Run by crash.test.ts: a spool plus an uplink, as the agent runs them, until it is killed.
// Lines on stdout (each written after the call it reports has returned, or just before a put):
//   C                      connected to the broker (the last will is registered)
//   A <frameId> <sha256>   accept() resolved
//   U <frameId>            a blob upload is starting
//   EMPTY                  (drain mode) the spool is empty; the child then stops cleanly
// Usage: node crash-child.ts <spoolDir> <brokerUrl> <blobUrl> <round> <frames> <run|drain>
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpBlobStore } from '@pretag/shared/blob/http-store';
import type { BlobStore } from '@pretag/shared/blob/store';
import { Spool } from '../../../edge-agent/src/spool/spool.ts';
import { Uplink } from '../../../edge-agent/src/uplink/uplink.ts';
import { makeFrame } from '../spool/frames.ts';
import { DEVICE, PASSWORD, SITE, USERNAME } from './harness.ts';

const [dir = '', brokerUrl = '', blobUrl = '', roundArg = '0', framesArg = '0', mode = 'run'] =
  process.argv.slice(2);
const round = Number(roundArg);
const say = (line: string) => process.stdout.write(`${line}\n`);

const spool = Spool.open({
  dir,
  maxBytes: 256 * 2 ** 20,
  maxAgeS: 86_400,
  backoff: { baseMs: 100, maxMs: 400 },
});
const inner = new HttpBlobStore({ hubUrl: blobUrl, username: USERNAME, password: PASSWORD });
const blobs: BlobStore = {
  put: async (key, bytes, options) => {
    say(
      `U ${
        key
          .split('/')
          .pop()
          ?.replace(/\.jpg$/, '') ?? key
      }`,
    );
    await inner.put(key, bytes, options);
  },
  get: (key) => inner.get(key),
  head: (key) => inner.head(key),
  exists: (key) => inner.exists(key),
  delete: (key) => inner.delete(key),
  list: (prefix) => inner.list(prefix),
};
const uplink = new Uplink({
  spool,
  blobs,
  site: SITE,
  device: DEVICE,
  agentVersion: '0.1.0-crash',
  cameras: ['cam1'],
  mqtt: { url: brokerUrl, reconnectMinMs: 100, reconnectMaxMs: 400 },
  idlePollMs: 20,
});
uplink.start();
const watch = setInterval(() => {
  if (uplink.counters().connected) {
    say('C');
    clearInterval(watch);
  }
}, 10);

const base = Date.now() - 3_600_000;
for (let i = 0; i < Number(framesArg); i++) {
  const frameId = `r${round}-f${String(i).padStart(3, '0')}`;
  const t = makeFrame(frameId, base + round * 100_000 + i * 1_000, 3_000 + ((i * 7919) % 40_000));
  await spool.accept(t.frame, t.jpeg);
  say(`A ${frameId} ${t.sha256}`);
  uplink.notify();
  await sleep(5);
}

if (mode === 'drain') {
  while (spool.stats().items > 0) await sleep(20);
  say('EMPTY');
  await uplink.stop();
  await spool.close();
}
