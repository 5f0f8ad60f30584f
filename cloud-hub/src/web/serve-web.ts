// The review and operations pages: static ES modules under /ui/, served by the API's own Fastify
// instance. The report's pure modules (HTML renderer, SVG charts, number formatting) are served
// to the browser as JavaScript with their types stripped, so the dashboard renders the JSON
// report with the very code the HTML report uses. Files are read once, at registration.
import { readdirSync, readFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const REPORT_DIR = fileURLToPath(new URL('../report/', import.meta.url));
const CATEGORIES = fileURLToPath(import.meta.resolve('@pretag/shared/coco/categories'));
/** The report modules the browser imports (each imports only the others, or types). */
export const SHARED_MODULES = [
  'html.ts',
  'charts.ts',
  'escape.ts',
  'format.ts',
  'quality-chart.ts',
] as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.ts': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// Scripts and styles only from here; images also as blob: URLs (fetched with the token).
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/** TypeScript to browser JavaScript (type stripping only: no enums or namespaces here). */
export function toBrowserJs(source: string): string {
  // Node marks stripTypeScriptTypes experimental and warns once on first use: not news to
  // someone opening the pages, so that one warning is not passed on.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was, never called here
  const emit = process.emitWarning;
  process.emitWarning = () => undefined;
  try {
    return stripTypeScriptTypes(source, { mode: 'strip' });
  } finally {
    process.emitWarning = emit;
  }
}

interface Asset {
  type: string;
  body: string;
}

function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(PUBLIC_DIR)) {
    const type = TYPES[path.extname(name)];
    if (type) assets.set(name, { type, body: readFileSync(path.join(PUBLIC_DIR, name), 'utf8') });
  }
  for (const name of SHARED_MODULES)
    assets.set(`lib/report/${name}`, {
      type: TYPES['.ts'] ?? '',
      body: toBrowserJs(readFileSync(path.join(REPORT_DIR, name), 'utf8')),
    });
  assets.set('lib/coco/categories.ts', {
    type: TYPES['.ts'] ?? '',
    body: toBrowserJs(readFileSync(CATEGORIES, 'utf8')),
  });
  return assets;
}

export function registerWebRoutes(app: FastifyInstance): void {
  const assets = loadAssets();
  const schema = { summary: 'The review and operations pages (static files)', tags: ['ui'] };
  app.get('/ui', { schema }, (_request, reply) => reply.redirect('/ui/', 302));
  app.get<{ Params: { '*': string } }>('/ui/*', { schema }, (request, reply) => {
    const name = request.params['*'] || 'index.html';
    const asset = assets.get(name);
    if (!asset)
      return reply
        .code(404)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify({ error: 'not-found', message: `no page /ui/${name.slice(0, 100)}` }));
    return reply
      .type(asset.type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', CSP)
      .send(asset.body);
  });
}
