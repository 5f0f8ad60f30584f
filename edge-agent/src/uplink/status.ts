// The device's status and stats messages (pure builders; encodePayload validates them).
import type { CameraCounters, StatsPayload, StatusPayload } from '@pretag/shared/mqtt/payloads';

export interface DeviceFacts {
  site: string;
  device: string;
  agentVersion: string;
  cameras: readonly string[];
}

export function statusPayload(
  facts: DeviceFacts,
  state: 'online' | 'offline',
  uptimeS: number,
  nowMs: number,
): StatusPayload {
  return {
    v: 1,
    site: facts.site,
    device: facts.device,
    state,
    agentVersion: facts.agentVersion,
    cameras: [...facts.cameras],
    uptime_s: Math.max(0, Math.round(uptimeS)),
    at: new Date(nowMs).toISOString(),
  };
}

export function statsPayload(
  facts: DeviceFacts,
  windowStartMs: number,
  windowEndMs: number,
  cameras: Record<string, CameraCounters>,
): StatsPayload {
  return {
    v: 1,
    site: facts.site,
    device: facts.device,
    windowStart: new Date(windowStartMs).toISOString(),
    windowEnd: new Date(Math.max(windowStartMs, windowEndMs)).toISOString(),
    cameras,
  };
}
