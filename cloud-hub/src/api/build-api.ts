// The hub's HTTP API as a Fastify instance (the hub assembly listens on it). Every route states
// its roles in `config.roles`; one onRequest hook authenticates, rate-limits and checks the
// role before any body is read, so an unauthorised upload costs no parsing or disk.
import Fastify, { LogController } from 'fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Registry } from 'prom-client';
import type { Logger } from '@pretag/shared/log/logger';
import type { BlobStore } from '@pretag/shared/blob/store';
import { authenticate } from '../auth/authenticate.ts';
import { createDeviceAuth } from '../auth/device-auth.ts';
import type { TokenEntry } from '../auth/tokens-file.ts';
import { DEFAULT_PRICES } from '../costs/report.ts';
import type { Prices } from '../costs/report.ts';
import { createBatchRegistry } from '../batches/registry.ts';
import type { BatchRegistry } from '../batches/registry.ts';
import type { Ledger } from '../ledger/open.ts';
import './request-types.ts';
import { DEFAULT_LIMITS } from './deps.ts';
import type { ApiDeps, ApiDeviceRegistry, ApiLimits } from './deps.ts';
import { handleError, sendError } from './errors.ts';
import { createHttpMetrics } from './metrics.ts';
import { createOpenApiCollector } from './openapi.ts';
import { createRateLimiter } from './rate-limit.ts';
import { registerBatchFramesRoute } from './routes/batch-frames.ts';
import { registerBatchRoutes } from './routes/batches.ts';
import { registerBlobRoutes } from './routes/blobs.ts';
import { registerCocoRoute } from './routes/coco.ts';
import { registerDriftRoute } from './routes/drift.ts';
import { registerFleetRoutes } from './routes/fleet.ts';
import { registerFrameRoutes } from './routes/frames.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { registerMeRoute } from './routes/me.ts';
import { registerQaDetailRoutes } from './routes/qa-detail.ts';
import { registerQaRoutes } from './routes/qa.ts';
import { registerReportRoutes } from './routes/reports.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { registerAnnotatorRoutes } from './routes/annotators.ts';
import { registerAuditRoutes } from './routes/audit.ts';
import { registerDriftAlertRoutes } from './routes/drift-alerts.ts';
import { registerLoopMetrics } from './routes/loop-metrics.ts';
import { registerQualityRoutes } from './routes/quality.ts';
import { registerShadowRoutes } from './routes/shadow.ts';
import { auditLogFor } from '../audit/log.ts';
import { loopSettings } from '../quality/settings.ts';
import type { LoopSettings } from '../quality/settings.ts';
import { registerWebRoutes } from '../web/serve-web.ts';

export interface BuildApiOptions {
  ledger: Ledger;
  blobStore: BlobStore;
  registry: ApiDeviceRegistry;
  /** People's tokens (loadTokensFile). */
  tokens: readonly TokenEntry[];
  logger?: Logger;
  limits?: Partial<ApiLimits>;
  prices?: Prices;
  /** The hub's metrics registry (with its ingest counters); a fresh one when absent. */
  metricsRegistry?: Registry;
  /** The batch registry for COCO downloads; one with the default policy when absent. */
  batches?: Pick<BatchRegistry, 'exportCoco'>;
  /** Base URL put in COCO image URLs (hub.yaml public_url); the request's host when absent. */
  publicUrl?: string;
  /** Serve HTTPS (hub.yaml listen.tls, files already read). */
  https?: { key: string | Buffer; cert: string | Buffer; ca?: string | Buffer };
  /** Behind a reverse proxy: take the client address from X-Forwarded-For (Fastify's trustProxy). */
  trustProxy?: boolean | string;
  /** Shown in the OpenAPI document. */
  version?: string;
  /** Clock for rate limits, caches and stored times; tests may pass their own. */
  now?: () => number;
  /** Quality, drift, annotator and double-review settings, and model control (shadow/promote). */
  loop?: Partial<LoopSettings>;
}

export function buildApi(options: BuildApiOptions): FastifyInstance {
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const deps: ApiDeps = {
    ledger: options.ledger,
    blobStore: options.blobStore,
    registry: options.registry,
    limits,
    prices: options.prices ?? DEFAULT_PRICES,
    now,
  };
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    ...(options.https ? { https: options.https } : {}),
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    bodyLimit: limits.jsonBodyBytes,
    // Request lines would log every frame upload; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    exposeHeadRoutes: false,
    return503OnClosing: true,
    // Unknown body fields are an error, not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
  }) as unknown as FastifyInstance;

  const collector = createOpenApiCollector();
  app.addHook('onRoute', (route) => collector.onRoute(route));

  const revokedCheck = revocationCheck(options.ledger);
  const devices = createDeviceAuth(options.registry, {
    ttlMs: limits.deviceAuthTtlMs,
    now,
    ...(revokedCheck ? { stillValid: revokedCheck } : {}),
  });
  app.decorate('invalidateDevice', (site: string, device: string) =>
    devices.invalidate(site, device),
  );
  app.decorateRequest('principal', null);

  const audit = auditLogFor(options.ledger.db);
  const loop = loopSettings(options.loop);
  const perCaller = createRateLimiter(limits.rate, now);
  const perAddress = createRateLimiter(limits.anonymousRate, now);
  const tooMany = (reply: FastifyReply, seconds: number) =>
    sendError(
      reply.header('retry-after', String(seconds)),
      429,
      `too many requests; retry in ${seconds} s`,
    );

  app.addHook('onRequest', async (request, reply) => {
    const roles = request.routeOptions.config.roles;
    if (!roles) {
      const t = perAddress.take(`public:${request.ip}`);
      return t.ok ? undefined : tooMany(reply, t.retryAfterSeconds);
    }
    // An address that keeps failing to sign in is refused before any (scrypt) check runs;
    // its good sign-ins and public calls (probes, scrapes) do not count against it.
    const failures = `failed:${request.ip}`;
    const blocked = perAddress.waitFor(failures);
    if (blocked > 0) return tooMany(reply, blocked);
    const auth = await authenticate(request.headers.authorization, options.tokens, devices);
    if (!auth.ok) {
      perAddress.take(failures);
      reply.header('www-authenticate', 'Bearer realm="pretag"');
      return sendError(reply, 401, auth.message);
    }
    const t = perCaller.take(auth.principal.id);
    if (!t.ok) return tooMany(reply, t.retryAfterSeconds);
    if (!roles.includes(auth.principal.role))
      return sendError(
        reply,
        403,
        `${request.method} ${request.routeOptions.url ?? ''} is for ${roles.join(' or ')} callers, not ${auth.principal.role}`,
      );
    request.principal = auth.principal;
    // The first call of a token or device from an address is audited.
    audit.noteAddress(auth.principal, request.ip, now());
    return undefined;
  });

  const registry = options.metricsRegistry ?? new Registry();
  const metrics = createHttpMetrics(registry, options.ledger.jobs);
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observe(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.addContentTypeParser(
    ['image/jpeg', 'application/octet-stream'],
    { parseAs: 'buffer' },
    (_request, body, done) => done(null, body),
  );
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      404,
      `no route ${request.method} ${(request.raw.url ?? '').split('?')[0]?.slice(0, 200)}`,
    ),
  );

  registerSystemRoutes(app, deps, registry, () =>
    collector.document({ title: 'pretag hub API', version: options.version ?? '1' }),
  );
  registerBlobRoutes(app, deps);
  registerFleetRoutes(app, deps);
  registerFrameRoutes(app, deps);
  registerJobRoutes(app, deps);
  registerBatchRoutes(app, deps);
  registerCocoRoute(
    app,
    deps,
    options.batches ??
      createBatchRegistry(options.ledger, { policy: { groupBy: 'camera-day', size: 500 } }),
    options.publicUrl,
  );
  registerQaRoutes(app, deps, loop.overlap);
  registerReportRoutes(app, deps);
  registerQualityRoutes(app, deps, loop);
  registerShadowRoutes(app, deps, loop);
  registerDriftAlertRoutes(app, deps, loop);
  registerAnnotatorRoutes(app, deps, loop);
  registerAuditRoutes(app, deps);
  registerLoopMetrics(registry, deps, loop);
  // For the web pages (cloud-hub/src/web): who am I, one sample in full, a batch's frames, drift.
  registerMeRoute(app);
  registerQaDetailRoutes(app, deps);
  registerBatchFramesRoute(app, deps);
  registerDriftRoute(app, deps);
  registerWebRoutes(app);
  return app;
}

/**
 * A cheap per-request revocation check when the device credentials live in the ledger's
 * database (the usual embedded set-up), so a revoke by `pretag hub device revoke` in another
 * process ends cached sign-ins at once. Undefined when the table is elsewhere.
 */
function revocationCheck(ledger: Ledger): ((username: string) => boolean) | undefined {
  const has = ledger
    .statement<[], { n: number }>(
      "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'device_credentials'",
    )
    .get();
  if (!has || has.n === 0) return undefined;
  const row = ledger.statement<[string], { revoked: number | null }>(
    'SELECT revoked_at AS revoked FROM device_credentials WHERE username = ?',
  );
  return (username) => {
    const r = row.get(username);
    return r !== undefined && r.revoked === null;
  };
}
