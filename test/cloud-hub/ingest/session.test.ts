// The ingest client's session on an external broker, from hub.yaml: a client id that is the same
// on every start (so the broker keeps the session), and MQTT 5 persistent-session options.
import { describe, expect, it } from 'vitest';
import { hubFileSchema } from '@pretag/shared/config/hub-schema';
import { ingestClientId, ingestSessionOptions } from '../../../cloud-hub/src/ingest/session.ts';

const external = (extra: Record<string, unknown> = {}) => {
  const c = hubFileSchema.parse({ mqtt: { external: { url: 'mqtt://broker:1883', ...extra } } });
  if (!c.mqtt.external) throw new Error('no external broker in the parsed config');
  return c.mqtt.external;
};

describe('ingest session on an external broker', () => {
  it('derives a stable id from the user name and topic prefix', () => {
    expect(ingestClientId(external({ username: 'pretag-hub' }), 'pretag/v1')).toBe(
      'pretag-hub-ingest-pretag-hub-pretag-v1',
    );
    expect(ingestClientId(external(), 'acme/pretag/v2')).toBe(
      'pretag-hub-ingest-hub-acme-pretag-v2',
    );
    expect(ingestClientId(external({ username: 'ops@acme.com' }), 'p')).toBe(
      'pretag-hub-ingest-ops-acme-com-p',
    );
  });

  it('uses hub.yaml client_id as written', () => {
    expect(ingestClientId(external({ client_id: 'hub-eu-1' }), 'pretag/v1')).toBe('hub-eu-1');
  });

  it('asks for a persistent MQTT 5 session kept one day unless configured', () => {
    expect(ingestSessionOptions(external(), 'pretag/v1')).toEqual({
      clientId: 'pretag-hub-ingest-hub-pretag-v1',
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: 86_400 },
    });
    expect(
      ingestSessionOptions(external({ session_expiry_s: 3600 }), 'pretag/v1').properties,
    ).toEqual({ sessionExpiryInterval: 3600 });
  });

  it('refuses a session expiry shorter than a minute or a client id with a slash', () => {
    const r = hubFileSchema.safeParse({
      mqtt: { external: { url: 'mqtt://b', session_expiry_s: 5, client_id: 'a/b' } },
    });
    expect(r.success).toBe(false);
    const messages = r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(messages.join('\n')).toMatch(/mqtt\.external\.session_expiry_s: .*between 60 and/);
    expect(messages.join('\n')).toMatch(/mqtt\.external\.client_id: .*"a\/b"/);
  });
});
