// What a Jetson needs to join the hub, printed once by `pretag hub device add`. The bundle is
// also the device's credentials file (edge.yaml `hub.credentials`): it holds the only copy of
// the password. Pure.
import { stringify } from 'yaml';

export interface DeviceBundle {
  site: string;
  device: string;
  mqtt: { url: string; username: string; password: string };
  /** The hub's blob API (the edge PUTs JPEGs here), or undefined when blobs go to Azure. */
  blob: { url: string } | { azure: true };
  /** Bearer credential for the hub's HTTP API: `username:password`. */
  apiToken: string;
  prefix: string;
  /** A starting edge.yaml for the device; cameras are placeholders. */
  edgeYaml: string;
}

export interface BundleInput {
  site: string;
  device: string;
  username: string;
  password: string;
  mqttUrl: string;
  /** Hub API base URL, or undefined when the hub stores blobs in Azure. */
  apiBaseUrl: string | undefined;
  prefix: string;
  credentialsPath?: string;
}

export const DEFAULT_CREDENTIALS_PATH = '/etc/pretag/credentials.json';

export function edgeYamlSnippet(b: BundleInput): string {
  const doc = {
    site: b.site,
    device: b.device,
    hub: {
      mqtt: b.mqttUrl,
      prefix: b.prefix,
      blob: b.apiBaseUrl ? { hub: { url: b.apiBaseUrl } } : 'azure',
      credentials: b.credentialsPath ?? DEFAULT_CREDENTIALS_PATH,
    },
    cameras: { 'camera-1': { url: 'rtsp://192.0.2.10/stream1' } },
  };
  return `# Save this bundle (JSON) as ${b.credentialsPath ?? DEFAULT_CREDENTIALS_PATH}, mode 0600.\n${stringify(doc)}`;
}

export function deviceBundle(b: BundleInput): DeviceBundle {
  return {
    site: b.site,
    device: b.device,
    mqtt: { url: b.mqttUrl, username: b.username, password: b.password },
    blob: b.apiBaseUrl ? { url: b.apiBaseUrl } : { azure: true },
    apiToken: `${b.username}:${b.password}`,
    prefix: b.prefix,
    edgeYaml: edgeYamlSnippet(b),
  };
}
