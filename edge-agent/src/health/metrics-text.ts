// Prometheus text exposition (format 0.0.4) of the agent's health, written by hand: prom-client
// is a cloud-hub dependency, and the edge workspace must install on a Jetson without it.
import type { AgentHealth, CameraHealth } from './snapshot.ts';

type Kind = 'counter' | 'gauge';
interface Sample {
  labels: Record<string, string>;
  value: number;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function family(name: string, kind: Kind, help: string, samples: readonly Sample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${kind}`];
  for (const s of samples) {
    const labels = Object.entries(s.labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',');
    lines.push(
      `${name}${labels ? `{${labels}}` : ''} ${Number.isFinite(s.value) ? s.value : 'NaN'}`,
    );
  }
  return lines.join('\n');
}

const STAGES = ['decoded', 'sampled', 'gated', 'inferred', 'uploaded'] as const;

export function renderMetrics(h: AgentHealth, rssBytes: number): string {
  const cams = Object.entries(h.cameras);
  const per = (f: (c: CameraHealth) => number): Sample[] =>
    cams.map(([camera, c]) => ({ labels: { camera }, value: f(c) }));
  const parts = [
    family('pretag_edge_up', 'gauge', 'The agent is running.', [{ labels: {}, value: 1 }]),
    family(
      'pretag_edge_camera_streaming',
      'gauge',
      '1 while the camera delivers frames.',
      per((c) => (c.state === 'streaming' ? 1 : 0)),
    ),
    family(
      'pretag_edge_frames_total',
      'counter',
      'Frames per camera and pipeline stage.',
      cams.flatMap(([camera, c]) =>
        STAGES.map((stage) => ({ labels: { camera, stage }, value: c.counters[stage] })),
      ),
    ),
    family(
      'pretag_edge_audited_total',
      'counter',
      'Audit uploads.',
      per((c) => c.counters.audited),
    ),
    family(
      'pretag_edge_motion_uploads_total',
      'counter',
      'Uploads for unexplained motion.',
      per((c) => c.counters.motion),
    ),
    family(
      'pretag_edge_frame_errors_total',
      'counter',
      'Frames that failed in the pipeline, redaction or sink.',
      per((c) => c.counters.frameErrors + c.counters.redactionDropped + c.counters.sinkFailed),
    ),
    family(
      'pretag_edge_uploaded_bytes_total',
      'counter',
      'JPEG bytes handed to the spool.',
      per((c) => c.counters.uploadedBytes),
    ),
    family(
      'pretag_edge_inference_seconds_total',
      'counter',
      'Time spent in the pre-filter detector.',
      per((c) => c.counters.inferenceSeconds),
    ),
    family(
      'pretag_edge_source_restarts_total',
      'counter',
      'Source reconnects.',
      per((c) => c.restarts),
    ),
    family(
      'pretag_edge_config_reload_errors_total',
      'counter',
      'Config edits rejected (the last good config kept running).',
      [{ labels: {}, value: h.config.reloadErrors }],
    ),
    family('pretag_edge_config_reloads_total', 'counter', 'Config edits applied.', [
      { labels: {}, value: h.config.reloads },
    ]),
    family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [
      { labels: {}, value: rssBytes },
    ]),
  ];
  if (h.spool)
    parts.push(
      family('pretag_edge_spool_items', 'gauge', 'Frames waiting in the spool.', [
        { labels: {}, value: h.spool.items },
      ]),
      family('pretag_edge_spool_bytes', 'gauge', 'JPEG bytes waiting in the spool.', [
        { labels: {}, value: h.spool.bytes },
      ]),
      family(
        'pretag_edge_spool_dropped_total',
        'counter',
        'Frames the spool dropped (full or too old).',
        [{ labels: {}, value: h.spool.dropped }],
      ),
    );
  return `${parts.join('\n')}\n`;
}
