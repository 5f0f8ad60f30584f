// What /healthz and /metrics report, as plain data the agent fills in. Pure.

export interface CameraHealth {
  state: 'starting' | 'streaming' | 'reconnecting' | 'stopped';
  /** Seconds since the last sampled frame, null before the first. */
  lastFrameAgoS: number | null;
  /** Current sampling rate. */
  fps: number | null;
  restarts: number;
  lastError: string | null;
  thresholds: { minScore: number; motionThreshold: number; motionMinArea: number } | null;
  counters: {
    decoded: number;
    sampled: number;
    gated: number;
    inferred: number;
    uploaded: number;
    audited: number;
    motion: number;
    redactionDropped: number;
    sinkFailed: number;
    frameErrors: number;
    uploadedBytes: number;
    inferenceSeconds: number;
  };
}

export interface AgentHealth {
  site: string;
  device: string;
  version: string;
  uptimeS: number;
  config: {
    file: string;
    loadedAt: string;
    reloads: number;
    reloadErrors: number;
    lastError: string | null;
  };
  uplink: 'running' | 'absent';
  spool: { items: number; bytes: number; dropped: number } | null;
  cameras: Record<string, CameraHealth>;
}

/** Healthy while at least one camera is streaming. */
export function healthStatus(h: AgentHealth): {
  code: 200 | 503;
  status: 'ok' | 'no-camera-streaming';
} {
  const streaming = Object.values(h.cameras).some((c) => c.state === 'streaming');
  return streaming ? { code: 200, status: 'ok' } : { code: 503, status: 'no-camera-streaming' };
}
