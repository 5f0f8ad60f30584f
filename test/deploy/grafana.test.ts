// deploy/grafana/pretag-dashboard.json: every metric a panel queries is one that a real hub's
// /metrics or the edge agent's metrics text actually exposes; variables, data source and layout
// are consistent; the cost panels start from hub.yaml's default prices.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { hubFileSchema } from '@pretag/shared/config/hub-schema';
import { startHub } from '../../cloud-hub/src/hub/run-hub.ts';
import type { RunningHub } from '../../cloud-hub/src/hub/run-hub.ts';
import { renderMetrics } from '../../edge-agent/src/health/metrics-text.ts';
import type { AgentHealth } from '../../edge-agent/src/health/snapshot.ts';
import { hubDir } from '../cloud-hub/hub/helpers.ts';
import type { HubDir } from '../cloud-hub/hub/helpers.ts';
import { deployFile } from './helpers.ts';

interface Target {
  expr: string;
  datasource?: { uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown }[] };
}

const dashboard = JSON.parse(
  readFileSync(deployFile('grafana/pretag-dashboard.json'), 'utf8'),
) as Dashboard;
const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

/** Metric families in Prometheus text (from its # TYPE lines), with histogram series names. */
function families(text: string): Set<string> {
  const out = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (!name) continue;
    out.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(`${name}${s}`);
  }
  return out;
}
const referenced = (list: readonly string[]): Set<string> =>
  new Set(
    list.flatMap((e) =>
      [...e.matchAll(/\b((?:pretag|process)_[a-z0-9_]+)\b/g)].map((m) => m[1] ?? ''),
    ),
  );
const unknownIn = (list: readonly string[], known: Set<string>): string[] =>
  [...referenced(list)].filter((n) => !known.has(n)).sort();

const edgeHealth: AgentHealth = {
  site: 's',
  device: 'd',
  version: '0',
  uptimeS: 1,
  config: {
    file: 'edge.yaml',
    loadedAt: '2026-11-27T00:00:00Z',
    reloads: 0,
    reloadErrors: 0,
    lastError: null,
  },
  uplink: 'running',
  spool: { items: 0, bytes: 0, dropped: 0 },
  cameras: {
    cam: {
      state: 'streaming',
      lastFrameAgoS: 0,
      fps: 1,
      restarts: 0,
      lastError: null,
      thresholds: null,
      counters: {
        decoded: 0,
        sampled: 0,
        gated: 0,
        inferred: 0,
        uploaded: 0,
        audited: 0,
        motion: 0,
        redactionDropped: 0,
        sinkFailed: 0,
        frameErrors: 0,
        uploadedBytes: 0,
        inferenceSeconds: 0,
      },
    },
  },
};

describe('deploy/grafana/pretag-dashboard.json', () => {
  let h: HubDir;
  let hub: RunningHub | undefined;
  let known = new Set<string>();
  beforeAll(async () => {
    h = await hubDir();
    hub = await startHub({
      configFile: h.configFile,
      workers: false,
      logger: pino({ level: 'silent' }),
      print: () => undefined,
    });
    await fetch(`${hub.apiUrl}/healthz`); // one request, so the HTTP series exist too
    const hubText = await (await fetch(`${hub.apiUrl}/metrics`)).text();
    known = new Set([...families(hubText), ...families(renderMetrics(edgeHealth, 1))]);
  });
  afterAll(async () => {
    await hub?.close();
    h?.remove();
  });

  it('queries only metrics that the running hub and the edge agent expose', () => {
    expect(known.has('pretag_jobs')).toBe(true);
    expect(known.has('pretag_edge_spool_items')).toBe(true);
    expect(referenced(exprs).size).toBeGreaterThan(10);
    expect(unknownIn(exprs, known)).toEqual([]);
  });

  it('the check names a metric nobody exposes', () => {
    expect(unknownIn([...exprs, 'rate(pretag_ingest_frames_total[5m])'], known)).toEqual([
      'pretag_ingest_frames_total',
    ]);
  });

  it('covers queue depth, ingest, latency, uploads, spool, drops and costs', () => {
    const used = referenced(exprs);
    for (const m of [
      'pretag_jobs',
      'pretag_http_request_duration_seconds_bucket',
      'pretag_edge_inference_seconds_total',
      'pretag_edge_frames_total',
      'pretag_edge_uploaded_bytes_total',
      'pretag_edge_spool_items',
      'pretag_edge_spool_bytes',
      'pretag_edge_spool_dropped_total',
    ])
      expect(used.has(m), m).toBe(true);
    expect(exprs.some((e) => e.includes('$annotation_usd'))).toBe(true);
  });

  it('uses one Prometheus data source variable and defines every variable it uses', () => {
    const vars = new Set(dashboard.templating.list.map((v) => v.name));
    for (const p of dashboard.panels.filter((x) => x.type !== 'row')) {
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      for (const t of p.targets ?? []) expect(t.datasource?.uid).toBe('${datasource}');
    }
    const usedVars = new Set(
      exprs.flatMap((e) => [...e.matchAll(/\$(\w+)/g)].map((m) => m[1] ?? '')),
    );
    usedVars.delete('__range');
    for (const v of usedVars) expect(vars.has(v), `$${v}`).toBe(true);
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')?.type).toBe('datasource');
  });

  it("starts the price variables at hub.yaml's default costs", () => {
    const costs = hubFileSchema.parse({}).costs;
    const value = (name: string) =>
      Number(dashboard.templating.list.find((v) => v.name === name)?.query);
    expect(value('annotation_usd')).toBe(costs.annotation_per_frame_usd);
    expect(value('egress_usd_per_gb')).toBe(costs.egress_per_gb_usd);
  });

  it('has unique panel ids, panels inside the 24-column grid, and balanced brackets in queries', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels)
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    for (const e of exprs)
      for (const [o, c] of [
        ['(', ')'],
        ['{', '}'],
        ['[', ']'],
      ] as const)
        expect(e.split(o).length, e).toBe(e.split(c).length);
  });
});
