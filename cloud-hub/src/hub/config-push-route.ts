// POST /v1/config/push (operators): sends a camera's threshold overrides to its device's config
// topic through the hub's own broker connection. Registered by the hub assembly; the API's
// onRequest hook authenticates and checks `config.roles` as for every other route.
import type { FastifyInstance } from 'fastify';
import { OPERATOR_ONLY } from '../auth/roles.ts';
import { ApiError, errorSchema } from '../api/errors.ts';
import type { CameraOverrides } from '@pretag/shared/mqtt/payloads';
import type { DeviceConfigs } from './device-configs.ts';
import { auditLogFor } from '../audit/log.ts';
import type { Ledger } from '../ledger/open.ts';

const fraction = { type: 'number', minimum: 0, maximum: 1 } as const;
const id = { type: 'string', minLength: 1, maxLength: 64 } as const;

export interface ConfigPushBody extends CameraOverrides {
  site: string;
  device: string;
  camera: string;
}

const body = {
  type: 'object',
  required: ['site', 'device', 'camera'],
  additionalProperties: false,
  properties: {
    site: id,
    device: id,
    camera: id,
    minScore: fraction,
    minArea: fraction,
    maxArea: fraction,
    classes: {
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: 64 },
      maxItems: 100,
    },
    motionThreshold: { type: 'number', minimum: 0, maximum: 255 },
    motionMinArea: fraction,
    auditRate: fraction,
  },
} as const;

const result = {
  type: 'object',
  required: ['topic', 'payload'],
  properties: {
    topic: { type: 'string' },
    payload: { type: 'object', additionalProperties: true },
  },
} as const;

export function configPushPlugin(
  app: FastifyInstance,
  /** With `ledger`, every push is written to its audit log. */
  opts: { configs: DeviceConfigs; ledger?: Ledger },
  done: (err?: Error) => void,
): void {
  app.post<{ Body: ConfigPushBody }>(
    '/v1/config/push',
    {
      config: { roles: OPERATOR_ONLY },
      schema: {
        summary: "Push a camera's threshold overrides to its device (retained, QoS 1)",
        description:
          "Merges the given fields into the camera's entry of the device's remote config and publishes the whole config, retained, on {prefix}/{site}/{device}/config. The device's edge.yaml stays the source of truth for anything not overridden.",
        tags: ['fleet'],
        body,
        response: { 200: result, 400: errorSchema, 404: errorSchema, 503: errorSchema },
      },
    },
    async (request) => {
      const { site, device, camera, ...overrides } = request.body;
      if (Object.keys(overrides).length === 0)
        throw new ApiError(400, 'nothing to push: give at least one override such as minScore');
      const before = opts.configs.get({ site, device })?.cameras?.[camera] ?? null;
      const r = await opts.configs.push({ site, device }, camera, overrides);
      if (!r.ok) throw new ApiError(r.status, r.message);
      if (opts.ledger)
        auditLogFor(opts.ledger.db).record({
          actor: request.principal?.name ?? 'unknown',
          role: request.principal?.role ?? 'operator',
          action: 'config.push',
          target: `camera:${site}/${device}/${camera}`,
          diff: { before, set: overrides, topic: r.topic },
          address: request.ip,
        });
      return { topic: r.topic, payload: r.payload };
    },
  );
  done();
}
