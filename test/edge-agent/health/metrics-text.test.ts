// Prometheus text exposition written by hand: checked line by line against the format's rules.
import { describe, expect, it } from 'vitest';
import { renderMetrics } from '../../../edge-agent/src/health/metrics-text.ts';
import { healthStatus } from '../../../edge-agent/src/health/snapshot.ts';
import type { AgentHealth, CameraHealth } from '../../../edge-agent/src/health/snapshot.ts';

function camera(state: CameraHealth['state'], sampled: number): CameraHealth {
  return {
    state,
    lastFrameAgoS: 0.2,
    fps: 2,
    restarts: 1,
    lastError: null,
    thresholds: { minScore: 0.35, motionThreshold: 25, motionMinArea: 0.002 },
    counters: {
      decoded: 10,
      sampled,
      gated: 3,
      inferred: 3,
      uploaded: 1,
      audited: 0,
      motion: 0,
      redactionDropped: 0,
      sinkFailed: 0,
      frameErrors: 0,
      uploadedBytes: 2048,
      inferenceSeconds: 0.25,
    },
  };
}

function health(cameras: Record<string, CameraHealth>): AgentHealth {
  return {
    site: 's',
    device: 'd',
    version: '0.1.0',
    uptimeS: 5,
    config: {
      file: '/e.yaml',
      loadedAt: '2026-11-27T00:00:00Z',
      reloads: 2,
      reloadErrors: 1,
      lastError: null,
    },
    uplink: 'absent',
    spool: { items: 4, bytes: 100, dropped: 0 },
    cameras,
  };
}

describe('renderMetrics', () => {
  const text = renderMetrics(
    health({ 'dock-3': camera('streaming', 5), yard: camera('reconnecting', 0) }),
    123456,
  );
  const lines = text.trimEnd().split('\n');

  it('every sample line is `name{labels} value`, every family has HELP and TYPE', () => {
    for (const l of lines) {
      if (l.startsWith('#')) expect(l).toMatch(/^# (HELP|TYPE) [a-z_]+ .+$/);
      else expect(l).toMatch(/^[a-z_]+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? -?[\d.e+]+$/);
    }
    const types = lines.filter((l) => l.startsWith('# TYPE')).map((l) => l.split(' ')[2]);
    expect(new Set(types).size).toBe(types.length);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('carries the per-camera figures', () => {
    expect(lines).toContain('pretag_edge_frames_total{camera="dock-3",stage="sampled"} 5');
    expect(lines).toContain('pretag_edge_camera_streaming{camera="dock-3"} 1');
    expect(lines).toContain('pretag_edge_camera_streaming{camera="yard"} 0');
    expect(lines).toContain('pretag_edge_config_reload_errors_total 1');
    expect(lines).toContain('process_resident_memory_bytes 123456');
    expect(lines).toContain('pretag_edge_spool_items 4');
  });
});

describe('healthStatus', () => {
  it('is 200 while any camera streams, 503 when none does', () => {
    expect(
      healthStatus(health({ a: camera('streaming', 1), b: camera('reconnecting', 0) })).code,
    ).toBe(200);
    expect(healthStatus(health({ a: camera('reconnecting', 0) }))).toEqual({
      code: 503,
      status: 'no-camera-streaming',
    });
    expect(healthStatus(health({})).code).toBe(503);
  });
});
