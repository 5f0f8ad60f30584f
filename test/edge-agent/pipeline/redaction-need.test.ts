// Whether the agent must load the face model at start: only when a running camera may redact.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/src/config/load.ts';
import type { EdgeConfig } from '../../../shared/src/config/edge-schema.ts';
import { anyCameraRedacts } from '../../../edge-agent/src/pipeline/redaction-need.ts';

function config(body: string): EdgeConfig {
  const r = parseConfig(
    `site: s1\ndevice: d1\nhub: { mqtt: mqtt://127.0.0.1:1883, blob: azure }\n${body}`,
    'edge.yaml',
    'edge',
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

describe('anyCameraRedacts', () => {
  it('is true by default (redact_faces is on unless switched off)', () => {
    expect(anyCameraRedacts(config('cameras:\n  a: { url: rtsp://10.0.0.1/x }\n'))).toBe(true);
  });

  it('is false when every camera switches it off, in defaults or per camera', () => {
    const c = config(
      'defaults: { redact_faces: false }\ncameras:\n  a: { url: rtsp://10.0.0.1/x }\n  b: { url: rtsp://10.0.0.2/x, redact_faces: false }\n',
    );
    expect(anyCameraRedacts(c)).toBe(false);
  });

  it('ignores a disabled camera that would redact', () => {
    const c = config(
      'defaults: { redact_faces: false }\ncameras:\n  a: { url: rtsp://10.0.0.1/x }\n  b: { url: rtsp://10.0.0.2/x, enabled: false, redact_faces: true }\n',
    );
    expect(anyCameraRedacts(c)).toBe(false);
  });

  it('is true when a schedule window switches it on', () => {
    const c = config(
      'timezone: Europe/Dublin\ndefaults:\n  redact_faces: false\n  schedule: [{ from: "08:00", to: "18:00", redact_faces: true }]\ncameras:\n  a: { url: rtsp://10.0.0.1/x }\n',
    );
    expect(anyCameraRedacts(c)).toBe(true);
  });
});
