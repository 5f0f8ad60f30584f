// Child process for the shared-subscription test: an external detection worker on Mosquitto
// with the real detector. Prints "got <jobId> <attempt>" on receipt and "result <jobId>" once
// its result is published. With STALL_AFTER it detects that many images and then hangs on every
// later one (a worker that dies holding jobs it has surely not answered).
// Usage: node mqtt-worker-child.ts URL PREFIX BLOB_DIR NAME [STALL_AFTER]
import { FsBlobStore } from '@pretag/shared/blob/fs-store';
import type { Detector } from '@pretag/shared/detector/types';
import { PERMISSIVE_RULES } from '../../../cloud-hub/src/cleanup/rules.ts';
import { startMqttWorker } from '../../../cloud-hub/src/workers/index.ts';
import { cloudDetector } from './fixture.ts';

const [url, prefix, blobDir, name, stallArg] = process.argv.slice(2);
if (!url || !prefix || !blobDir || !name)
  throw new Error('usage: mqtt-worker-child.ts URL PREFIX BLOB_DIR NAME [STALL_AFTER]');
const stallAfter = stallArg === undefined ? Infinity : Number(stallArg);
const real = await cloudDetector();
let started = 0;
const detector: Detector = {
  info: real.info,
  detect: (image) =>
    ++started > stallAfter ? new Promise<never>(() => undefined) : real.detect(image),
  detectBatch: (images) => real.detectBatch(images),
  close: () => real.close(),
};
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const worker = await startMqttWorker({
  url,
  prefix,
  name,
  blobs: new FsBlobStore(blobDir),
  detector,
  rulesFor: () => ({ ...PERMISSIVE_RULES, minScore: 0.3 }),
  onReceive: (job) => say(`got ${job.jobId} ${job.attempt}`),
  onResult: (msg) => say(`result ${msg.jobId}`),
});
say('ready');
const stop = (): void => {
  void worker.stop().then(async () => {
    await detector.close();
    process.exit(0);
  });
};
process.once('SIGTERM', stop);
