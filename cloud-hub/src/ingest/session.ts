// The ingest client's MQTT session on an external broker: a stable client id and a persistent
// MQTT 5 session, so the broker queues device frames (QoS 1) while the hub is down or restarting
// and hands them over when it reconnects. Pure: hub.yaml in, client options out.
import type { IClientOptions } from 'mqtt';
import type { HubConfig } from '@pretag/shared/config/hub-schema';

type External = NonNullable<HubConfig['mqtt']['external']>;

const UNSAFE = /[^A-Za-z0-9_-]+/g;

/** `pretag-hub-ingest-<username or "hub">-<prefix>`, unless hub.yaml names one. */
export function ingestClientId(ext: External, prefix: string): string {
  if (ext.client_id !== undefined) return ext.client_id;
  const part = (s: string): string => s.replace(UNSAFE, '-').replace(/^-+|-+$/g, '');
  return `pretag-hub-ingest-${part(ext.username ?? 'hub') || 'hub'}-${part(prefix) || 'root'}`;
}

/** Options for the ingest client: same id every start, session kept for session_expiry_s. */
export function ingestSessionOptions(ext: External, prefix: string): IClientOptions {
  return {
    clientId: ingestClientId(ext, prefix),
    protocolVersion: 5,
    clean: false,
    properties: { sessionExpiryInterval: ext.session_expiry_s },
  };
}
