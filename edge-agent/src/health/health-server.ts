// Local health endpoints for systemd and Prometheus: GET /healthz (JSON, 503 when no camera is
// streaming) and GET /metrics (Prometheus text). Nothing else is served.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { renderMetrics } from './metrics-text.ts';
import { healthStatus } from './snapshot.ts';
import type { AgentHealth } from './snapshot.ts';

export interface HealthServer {
  readonly server: Server;
  /** The bound port (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

export async function startHealthServer(
  host: string,
  port: number,
  snapshot: () => AgentHealth,
): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    try {
      if (url === '/healthz') {
        const h = snapshot();
        const { code, status } = healthStatus(h);
        res
          .writeHead(code, { 'content-type': 'application/json' })
          .end(`${JSON.stringify({ status, ...h })}\n`);
      } else if (url === '/metrics') {
        res
          .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
          .end(renderMetrics(snapshot(), process.memoryUsage.rss()));
      } else
        res
          .writeHead(404, { 'content-type': 'text/plain' })
          .end('not found: try /healthz or /metrics\n');
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
