// Devices (from the credential registry) and cameras (claimed by devices in the ledger).
import type { FastifyInstance } from 'fastify';
import { OPERATOR_ONLY, PEOPLE } from '../../auth/roles.ts';
import type { ApiDeps } from '../deps.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../pagination.ts';

const deviceItem = {
  type: 'object',
  required: ['site', 'device', 'username', 'createdAt', 'revokedAt', 'cameras'],
  properties: {
    site: { type: 'string' },
    device: { type: 'string' },
    username: { type: 'string' },
    createdAt: { type: 'integer' },
    revokedAt: { type: ['integer', 'null'] },
    cameras: { type: 'array', items: { type: 'string' } },
  },
} as const;

const cameraItem = {
  type: 'object',
  required: ['site', 'camera', 'device', 'firstSeenAt', 'lastSeenAt'],
  properties: {
    site: { type: 'string' },
    camera: { type: 'string' },
    device: { type: 'string' },
    firstSeenAt: { type: 'integer' },
    lastSeenAt: { type: 'integer' },
  },
} as const;

interface CameraRow {
  site: string;
  camera: string;
  device: string;
  firstSeenAt: number;
  lastSeenAt: number;
}

export function registerFleetRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { ledger, registry } = deps;
  const camerasOfAll = ledger.statement<[], { site: string; camera: string; device: string }>(
    'SELECT site, camera, device FROM cameras ORDER BY site, camera',
  );
  const cameraPage = ledger.statement<[Record<string, unknown>], CameraRow>(
    `SELECT site, camera, device, first_seen_at AS firstSeenAt, last_seen_at AS lastSeenAt
     FROM cameras
     WHERE (@site IS NULL OR site = @site) AND (@device IS NULL OR device = @device)
       AND (@cs IS NULL OR (site, camera) > (@cs, @cc))
     ORDER BY site, camera LIMIT @n`,
  );

  app.get<{ Querystring: { limit: number; cursor?: string; site?: string } }>(
    '/v1/devices',
    {
      config: { roles: OPERATOR_ONLY },
      schema: {
        summary: 'Devices with API/MQTT credentials and the cameras they own',
        tags: ['fleet'],
        querystring: { type: 'object', properties: { ...pageQuery, site: { type: 'string' } } },
        response: { 200: pageSchema(deviceItem) },
      },
    },
    (request) => {
      const { limit, cursor, site } = request.query;
      const after = decodeCursor(cursor, ['string', 'string']);
      const owned = new Map<string, string[]>();
      for (const c of camerasOfAll.all()) {
        const k = `${c.site}\0${c.device}`;
        (owned.get(k) ?? owned.set(k, []).get(k))?.push(c.camera);
      }
      const rows = registry
        .list()
        .filter((d) => site === undefined || d.site === site)
        .filter(
          (d) =>
            !after ||
            d.site > (after[0] as string) ||
            (d.site === after[0] && d.device > (after[1] as string)),
        )
        .sort((a, b) =>
          a.site === b.site ? (a.device < b.device ? -1 : 1) : a.site < b.site ? -1 : 1,
        )
        .slice(0, limit + 1)
        .map((d) => ({
          site: d.site,
          device: d.device,
          username: d.username,
          createdAt: d.createdAt,
          revokedAt: d.revokedAt,
          cameras: owned.get(`${d.site}\0${d.device}`) ?? [],
        }));
      return page(rows, limit, (d) => [d.site, d.device]);
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string; site?: string; device?: string } }>(
    '/v1/cameras',
    {
      config: { roles: PEOPLE },
      schema: {
        summary: 'Cameras and the device that owns each',
        tags: ['fleet'],
        querystring: {
          type: 'object',
          properties: { ...pageQuery, site: { type: 'string' }, device: { type: 'string' } },
        },
        response: { 200: pageSchema(cameraItem) },
      },
    },
    (request) => {
      const { limit, cursor, site, device } = request.query;
      const after = decodeCursor(cursor, ['string', 'string']);
      const rows = cameraPage.all({
        site: site ?? null,
        device: device ?? null,
        cs: after?.[0] ?? null,
        cc: after?.[1] ?? null,
        n: limit + 1,
      });
      return page(rows, limit, (c) => [c.site, c.camera]);
    },
  );
}
