// OpenAPI 3.1 document built from the routes' own JSON schemas (collected by an onRoute hook),
// so the served document cannot drift from what the server validates. 3.1 uses JSON Schema
// 2020-12, which accepts the schemas as written (type arrays for nullable fields, for example).
import type { FastifySchema, RouteOptions } from 'fastify';
import type { Role } from '../auth/roles.ts';

declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
  }
  interface FastifyContextConfig {
    /** Roles allowed to call the route; absent = public. */
    roles?: readonly Role[];
    /** Request/response bodies that are not JSON (blobs, CSV), for the document only. */
    openapi?: { requestBody?: object; responses?: Record<string, object> };
  }
}

interface Collected {
  method: string;
  url: string;
  schema: FastifySchema | undefined;
  roles: readonly Role[] | undefined;
  extra: { requestBody?: object; responses?: Record<string, object> } | undefined;
}

type JsonObject = Record<string, unknown>;

const asObject = (v: unknown): JsonObject | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;

/** `/v1/frames/:id` → `/v1/frames/{id}`; a trailing wildcard becomes `{key}`. */
export function openApiPath(url: string): { path: string; wildcard: boolean } {
  const wildcard = url.endsWith('*');
  const path = url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{key}');
  return { path, wildcard };
}

function parameters(c: Collected, wildcard: boolean): JsonObject[] {
  const out: JsonObject[] = [];
  for (const [where, schema] of [
    ['path', c.schema?.params],
    ['query', c.schema?.querystring],
  ] as const) {
    const props = asObject(asObject(schema)?.properties) ?? {};
    const required = new Set((asObject(schema)?.required as string[] | undefined) ?? []);
    for (const [name, s] of Object.entries(props))
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: s });
  }
  if (wildcard)
    out.push({
      name: 'key',
      in: 'path',
      required: true,
      description: "blob key: '/'-separated segments of letters, digits, '_', '-', '.'",
      schema: { type: 'string' },
    });
  return out;
}

function responses(c: Collected): JsonObject {
  const out: JsonObject = {};
  for (const [status, s] of Object.entries(asObject(c.schema?.response) ?? {})) {
    const schema = asObject(s) ?? {};
    out[status] = {
      description: typeof schema.description === 'string' ? schema.description : `HTTP ${status}`,
      content: { 'application/json': { schema } },
    };
  }
  Object.assign(out, c.extra?.responses ?? {});
  if (Object.keys(out).length === 0) out['200'] = { description: 'OK' };
  if (c.roles) {
    out['401'] ??= { description: 'no or unaccepted bearer token' };
    out['403'] ??= {
      description: `the caller's role may not call this (needs ${c.roles.join(' or ')})`,
    };
    out['429'] ??= { description: 'rate limited; see Retry-After' };
  }
  return out;
}

export interface OpenApiCollector {
  onRoute(route: RouteOptions): void;
  document(info: { title: string; version: string }): JsonObject;
}

export function createOpenApiCollector(): OpenApiCollector {
  const routes: Collected[] = [];
  return {
    onRoute(route) {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods)
        routes.push({
          method: method.toLowerCase(),
          url: route.url,
          schema: route.schema,
          roles: route.config?.roles,
          extra: route.config?.openapi,
        });
    },
    document(info) {
      const paths: Record<string, JsonObject> = {};
      for (const c of routes) {
        const { path, wildcard } = openApiPath(c.url);
        const op: JsonObject = {
          operationId: `${c.method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch?: string) => (ch ?? '').toUpperCase())}`,
          parameters: parameters(c, wildcard),
          responses: responses(c),
        };
        if (c.schema?.summary) op.summary = c.schema.summary;
        if (c.schema?.description) op.description = c.schema.description;
        if (c.schema?.tags) op.tags = c.schema.tags;
        if (c.schema?.body)
          op.requestBody = {
            required: true,
            content: { 'application/json': { schema: c.schema.body } },
          };
        if (c.extra?.requestBody) op.requestBody = c.extra.requestBody;
        if (c.roles) {
          op.security = [{ bearer: [] }];
          op['x-roles'] = [...c.roles];
        } else op.security = [];
        (paths[path] ??= {})[c.method] = op;
      }
      return {
        openapi: '3.1.0',
        info,
        paths,
        components: {
          securitySchemes: {
            bearer: {
              type: 'http',
              scheme: 'bearer',
              description:
                'People: a token from the tokens file. Devices: `{device}@{site}:{password}` from `pretag hub device add`.',
            },
          },
        },
      };
    },
  };
}
