// The audit log of a running hub: devices added and revoked (the `pretag hub device` code
// paths), a config push through the API, and a retention run that deletes frames each leave an
// entry with actor, role, target and diff.
import { userInfo } from 'node:os';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../cloud-hub/src/audit/log.ts';
import { addDevice, revokeDevice } from '../../../cloud-hub/src/hub/devices.ts';
import { startHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import type { RunningHub } from '../../../cloud-hub/src/hub/run-hub.ts';
import { DAY_MS, runRetention } from '../../../cloud-hub/src/retention/index.ts';
import { makeFrame } from '../ledger/frame-fixture.ts';
import { OPERATOR_TOKEN, hubDir } from '../hub/helpers.ts';
import type { HubDir } from '../hub/helpers.ts';

const SITE = 'dublin-plant-2';
let h: HubDir;
let hub: RunningHub;

const get = async <T>(url: string): Promise<T> => {
  const res = await fetch(`http://127.0.0.1:${h.apiPort}${url}`, {
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
  });
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};
const entries = async (action: string) =>
  (await get<{ items: AuditEntry[] }>(`/v1/audit?action=${action}`)).items;

beforeAll(async () => {
  h = await hubDir();
  hub = await startHub({
    configFile: h.configFile,
    logger: pino({ level: 'silent' }),
    print: () => undefined,
    workers: false,
    scrypt: { N: 2 ** 10, r: 8, p: 1, keyLength: 32 },
  });
}, 60_000);
afterAll(async () => {
  await hub.close();
  h.remove();
});

describe('audit entries of a running hub', () => {
  it('device add and revoke name the local user, the device and its new status', async () => {
    await addDevice(hub.config(), h.configFile, SITE, 'orin-07');
    await addDevice(hub.config(), h.configFile, SITE, 'orin-08');
    await revokeDevice(hub.config(), h.configFile, SITE, 'orin-08');
    const added = await entries('device.add');
    expect(added.map((e) => e.target).sort()).toEqual([
      `device:${SITE}/orin-07`,
      `device:${SITE}/orin-08`,
    ]);
    expect(added[0]).toMatchObject({ actor: userInfo().username, role: 'cli' });
    const revoked = await entries('device.revoke');
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({
      target: `device:${SITE}/orin-08`,
      diff: { status: 'revoked', username: `orin-08@${SITE}` },
    });
  });

  it('a config push records the camera and the before/after of its overrides', async () => {
    const push = async (minScore: number) => {
      const res = await fetch(`http://127.0.0.1:${h.apiPort}/v1/config/push`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ site: SITE, device: 'orin-07', camera: 'dock-door-3', minScore }),
      });
      expect(res.status).toBe(200);
    };
    await push(0.4);
    await push(0.55);
    const e = await entries('config.push');
    expect(e).toHaveLength(2);
    expect(e[0]).toMatchObject({
      actor: 'ops',
      role: 'operator',
      target: `camera:${SITE}/orin-07/dock-door-3`,
      diff: { before: { minScore: 0.4 }, set: { minScore: 0.55 } },
    });
    expect(e[1]?.diff).toMatchObject({ before: null, set: { minScore: 0.4 } });
  });

  it('a retention run that deletes frames records how many and the cutoff', async () => {
    for (let i = 0; i < 3; i++) {
      const f = makeFrame(i);
      await hub.blobs.put(f.blobKey, Buffer.from('jpeg'));
      hub.ledger.frames.ingestFrame(f, Date.now());
    }
    const now = Date.now() + 31 * DAY_MS;
    const r = await runRetention({ ledger: hub.ledger, blobs: hub.blobs, days: 30, now });
    expect(r.framesDeleted).toBe(3);
    const e = await entries('retention.delete');
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({
      actor: 'retention',
      role: 'system',
      target: 'frames',
      at: now,
      diff: { framesDeleted: 3, blobsDeleted: 3, days: 30, cutoff: r.cutoff },
    });
    // A run that deletes nothing adds nothing.
    await runRetention({ ledger: hub.ledger, blobs: hub.blobs, days: 30, now });
    expect(await entries('retention.delete')).toHaveLength(1);
  });
});
