// The demo's generated hub.yaml, tokens file and edge.yaml: embedded broker and blob store on
// 127.0.0.1, SQLite, the packaged FP32 CenterNet in the cloud, the packaged NanoDet as a shadow
// candidate on half the frames (so the quality pages have a model to compare and promote), one
// file camera per video. Pure.
import { stringify } from 'yaml';

export const DEMO_SITE = 'demo';
export const DEMO_DEVICE = 'demo-edge';

export function hubYaml(o: { apiPort: number; mqttPort: number }): string {
  return stringify({
    listen: { host: '127.0.0.1', port: o.apiPort },
    mqtt: { embedded: { host: '127.0.0.1', port: o.mqttPort } },
    storage: { dir: './data' },
    blob: { hub: { dir: 'blobs' } },
    auth: { tokens_file: 'tokens.yaml' },
    detector: { adapter: 'centernet', providers: ['cpu'] },
    batches: { group_by: 'camera-day' },
    shadow: { model: { adapter: 'nanodet', providers: ['cpu'] }, share: 0.5 },
  });
}

/** An operator token, and a reviewer token when given (for the review pages). */
export function tokensYaml(operatorToken: string, reviewerToken?: string): string {
  return stringify({
    tokens: [
      { name: 'demo', role: 'operator', token: operatorToken },
      ...(reviewerToken ? [{ name: 'demo-reviewer', role: 'reviewer', token: reviewerToken }] : []),
    ],
  });
}

/** Camera ids for the videos, in order: cam-1, cam-2, … */
export function cameraIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `cam-${i + 1}`);
}

export function edgeYaml(o: {
  apiUrl: string;
  mqttUrl: string;
  prefix: string;
  credentialsFile: string;
  spoolDir: string;
  videos: readonly string[];
}): string {
  const ids = cameraIds(o.videos.length);
  return stringify({
    site: DEMO_SITE,
    device: DEMO_DEVICE,
    hub: {
      mqtt: o.mqttUrl,
      prefix: o.prefix,
      blob: { hub: { url: o.apiUrl } },
      credentials: o.credentialsFile,
    },
    cameras: Object.fromEntries(ids.map((id, i) => [id, { url: o.videos[i] }])),
    spool: { dir: o.spoolDir },
    model: { adapter: 'nanodet', providers: ['cpu'] },
  });
}
