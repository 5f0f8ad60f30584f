// The hub's view of each device from its retained status message (and its last will): online or
// offline, agent version, cameras. Frames for a camera a device has not announced are refused
// once the device has announced its list; before any status arrives every camera is accepted.
import type { StatusPayload } from '@pretag/shared/mqtt/payloads';

export interface DeviceState {
  site: string;
  device: string;
  state: 'online' | 'offline';
  agentVersion: string;
  cameras: string[];
  uptimeS: number;
  /** The device's own timestamp of the status. */
  at: string;
  /** When the hub received it, ms since the epoch. */
  receivedAt: number;
}

export interface DeviceDirectory {
  update(status: StatusPayload, receivedAt: number): DeviceState;
  get(site: string, device: string): DeviceState | undefined;
  list(): DeviceState[];
  cameraKnown(site: string, device: string, camera: string): boolean | undefined;
}

export function createDeviceDirectory(): DeviceDirectory {
  const devices = new Map<string, DeviceState>();
  const cameraSets = new Map<string, Set<string>>();
  const key = (site: string, device: string): string => `${site}\u0000${device}`;
  return {
    update(s, receivedAt) {
      const k = key(s.site, s.device);
      const prev = devices.get(k);
      // A last will carries the cameras the device had when it connected; an offline status
      // with an empty list must not forget them.
      const cameras =
        s.state === 'offline' && s.cameras.length === 0 && prev ? prev.cameras : s.cameras;
      const next: DeviceState = {
        site: s.site,
        device: s.device,
        state: s.state,
        agentVersion: s.agentVersion,
        cameras: [...cameras],
        uptimeS: s.uptime_s,
        at: s.at,
        receivedAt,
      };
      devices.set(k, next);
      cameraSets.set(k, new Set(cameras));
      return next;
    },
    get: (site, device) => devices.get(key(site, device)),
    list: () => [...devices.values()],
    cameraKnown(site, device, camera) {
      const set = cameraSets.get(key(site, device));
      return set ? set.has(camera) : undefined;
    },
  };
}
