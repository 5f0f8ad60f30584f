// A hub on an external broker (a real Mosquitto) whose ingest process is killed (SIGKILL) while
// frames are arriving loses none: a frame is acknowledged to the broker only after its ledger
// transaction has committed, so what the dead process had not written comes again to the next
// one from its persistent session. The first process runs with a batch window far longer than
// the test, so a frame acknowledged on arrival (mqtt.js's default) would be lost for certain.
// Expectations come from what the test published: every frameId once, one detect job each.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { topicScheme } from '@pretag/shared/mqtt/topics';
import { makeFrame, tempDir } from '../ledger/frame-fixture.ts';
import { startMosquitto } from '../../helpers/mosquitto.ts';
import { until } from './aedes-broker.ts';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ingest-child.ts');
const N = 2_000;
const KILL_AFTER = 150; // messages seen by the first ingest process
const scheme = topicScheme('pretag/v1');
// The deployment's queue settings (deploy/mosquitto): no message cap on the hub's session.
const m = await startMosquitto({
  config: ['max_queued_messages 0', 'max_queued_bytes 1073741824', 'queue_qos0_messages false'],
});
const tmp = tempDir();

afterAll(async () => {
  if (m.ok) await m.mosquitto.dispose();
  tmp.remove();
});

interface Child {
  /** Resolves once the child is subscribed. */
  ready: Promise<void>;
  /** Messages the child has reported receiving so far. */
  got(): number;
  kill(signal: NodeJS.Signals): Promise<void>;
}

function runIngest(url: string, file: string, maxWaitMs: number, onGot?: (n: number) => void) {
  const child = spawn(process.execPath, [CHILD, url, file, String(maxWaitMs), '100000'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let got = 0;
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'ready') resolve();
      else if (line.startsWith('got ')) onGot?.((got = Number(line.slice(4))));
    });
    void exited.then(() => reject(new Error(`ingest child exited early: ${stderr.trim()}`)));
  });
  const c: Child = {
    ready,
    got: () => got,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  return c;
}

describe.skipIf(!m.ok)('hub ingest on Mosquitto killed while frames arrive', () => {
  it('loses no frame and stores none twice after a restart', async () => {
    if (!m.ok) return;
    const url = m.mosquitto.url;
    const file = tmp.file('hub.db');
    const frames = Array.from({ length: N }, (_, i) => makeFrame(i));
    const reader = () => new Database(file, { readonly: true, fileMustExist: true });

    // First process: killed once it has seen KILL_AFTER messages, while the rest still arrive.
    let killed: Promise<void> | undefined;
    const first: Child = runIngest(url, file, 600_000, (n) => {
      if (n >= KILL_AFTER) killed ??= first.kill('SIGKILL');
    });
    await first.ready;
    const dev = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5 });
    const published = Promise.all(
      frames.map((f) =>
        dev.publishAsync(scheme.frame(f.site, f.device, f.camera), JSON.stringify(f), { qos: 1 }),
      ),
    );
    await until(() => killed !== undefined, `${KILL_AFTER} messages at the first ingest`);
    await killed;
    await published;
    await dev.endAsync();
    const db1 = reader();
    const storedAtKill = db1.prepare('SELECT count(*) FROM frames').pluck().get() as number;
    db1.close();
    // The kill came mid-stream: not everything was in.
    expect(first.got()).toBeLessThan(N);
    expect(storedAtKill).toBeLessThan(N);

    // Second process, default batch window, same ledger and session.
    const second = runIngest(url, file, 50);
    await second.ready;
    const db = reader();
    const count = db.prepare('SELECT count(*) FROM frames').pluck();
    try {
      await until(() => (count.get() as number) >= N, `all ${N} frames in the ledger`).catch(
        (err: Error) => {
          throw new Error(`${err.message}: ${String(count.get())} stored`);
        },
      );
      await second.kill('SIGTERM');
      const ids = db.prepare('SELECT frame_id FROM frames ORDER BY frame_id').pluck().all();
      expect(ids).toEqual(frames.map((f) => f.frameId));
      const jobs = db.prepare('SELECT count(*) FROM jobs').pluck().get();
      expect(jobs).toBe(N);
    } finally {
      db.close();
      await second.kill('SIGKILL');
    }
  }, 120_000);
});
