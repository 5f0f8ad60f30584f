// Ingest on an external broker (a real Mosquitto, the hub's persistent session) when the ledger
// cannot store frames: SQLite's own "database or disk is full" (the ledger capped at its current
// size with max_page_count). Those frames get no PUBACK; ingest reconnects so the broker sends
// them again, and once there is room each is stored once. A message that can never be good is
// acknowledged: it is counted once, not again after the reconnect.
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { hubFileSchema } from '@pretag/shared/config/hub-schema';
import { topicScheme } from '@pretag/shared/mqtt/topics';
import { startIngest } from '../../../cloud-hub/src/ingest/index.ts';
import { ingestSessionOptions } from '../../../cloud-hub/src/ingest/session.ts';
import { openLedger } from '../../../cloud-hub/src/ledger/index.ts';
import { makeFrame, tempDir } from '../ledger/frame-fixture.ts';
import { startMosquitto } from '../../helpers/mosquitto.ts';
import { until } from './aedes-broker.ts';

const N = 20;
const scheme = topicScheme('pretag/v1');
const m = await startMosquitto();
const tmp = tempDir();

afterAll(async () => {
  if (m.ok) await m.mosquitto.dispose();
  tmp.remove();
});

describe.skipIf(!m.ok)('ingest on Mosquitto with a full ledger', () => {
  it('acknowledges no frame it could not store, and stores each once when there is room', async () => {
    if (!m.ok) return;
    const url = m.mosquitto.url;
    const ext = hubFileSchema.parse({ mqtt: { external: { url, client_id: 'hub-full-disk' } } })
      .mqtt.external;
    if (!ext) throw new Error('no external broker in the parsed hub.yaml');
    const ledger = openLedger(tmp.file('hub.db'));
    const warnings: string[] = [];
    const ingest = await startIngest({
      ledger,
      url,
      clientOptions: ingestSessionOptions(ext, 'pretag/v1'),
      logger: {
        warn: (_o: unknown, msg?: string) => void warnings.push(msg ?? ''),
        info: () => {},
      },
    });
    const dev = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    try {
      const pages = ledger.db.pragma('page_count', { simple: true }) as number;
      ledger.db.pragma(`max_page_count = ${pages}`);
      const frames = Array.from({ length: N }, (_, i) => makeFrame(i));
      const topic = (i: number): string => {
        const f = frames[i] ?? makeFrame(0);
        return scheme.frame(f.site, f.device, f.camera);
      };
      await dev.publishAsync(topic(0), '{ not json', { qos: 1 });
      for (const [i, f] of frames.entries())
        await dev.publishAsync(topic(i), JSON.stringify(f), { qos: 1 });
      await until(
        () => ingest.metrics().messages >= N + 1 && ingest.metrics().bad['not-stored'] > 0,
        'every message delivered and the full ledger refusing frames',
      );
      const stored = (): number =>
        ledger.statement<[], number>('SELECT count(*) FROM frames').pluck().get() ?? 0;
      expect(stored()).toBeLessThan(N);

      ledger.db.pragma('max_page_count = 1073741823');
      await until(() => stored() === N, `all ${N} frames after the ledger has room`);
      ingest.flush();
      const ids = ledger.statement<[], string>('SELECT frame_id FROM frames ORDER BY frame_id');
      expect(ids.pluck().all()).toEqual(frames.map((f) => f.frameId));
      expect(ledger.statement<[], number>('SELECT count(*) FROM jobs').pluck().get()).toBe(N);
      // The unreadable message was acknowledged: the reconnect did not bring it back.
      expect(ingest.metrics().bad.payload).toBe(1);
      expect(warnings).toContain(
        'ingest reconnects so the broker delivers the frames it could not store again',
      );
    } finally {
      await dev.endAsync();
      await ingest.close();
      ledger.close();
    }
  }, 60_000);
});
