// The URLs the hub is reached at: what startup prints and what a device bundle carries. Pure:
// the machine's host name is passed in.
import type { HubConfig } from '@pretag/shared/config/hub-schema';

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** A listen address as others should dial it: a wildcard becomes `fallback` (host name). */
export function dialHost(listenHost: string, fallback: string): string {
  return hostForUrl(WILDCARDS.has(listenHost) ? fallback : listenHost);
}

/** Base URL of the HTTP API: public_url when set, else the listen address. No trailing '/'. */
export function apiBaseUrl(config: HubConfig, hostName: string, port?: number): string {
  if (config.public_url) return config.public_url.replace(/\/+$/, '');
  const scheme = config.listen.tls ? 'https' : 'http';
  return `${scheme}://${dialHost(config.listen.host, hostName)}:${port ?? config.listen.port}`;
}

/**
 * The broker URL devices dial: the external broker's URL, else the embedded broker (its TLS
 * listener when there is one) on public_url's host name, else on its listen address.
 */
export function deviceMqttUrl(config: HubConfig, hostName: string): string {
  const m = config.mqtt;
  if (m.external) return m.external.url;
  const e = m.embedded;
  if (!e) throw new Error('hub.yaml: no broker configured');
  const host = config.public_url
    ? hostForUrl(new URL(config.public_url).hostname)
    : dialHost(e.host, hostName);
  return e.tls ? `mqtts://${host}:${e.tls.port}` : `mqtt://${host}:${e.port}`;
}

/** A listener as printed at startup: the address it is bound to. */
export function listenerUrl(scheme: string, host: string, port: number): string {
  return `${scheme}://${hostForUrl(host || '0.0.0.0')}:${port}`;
}
