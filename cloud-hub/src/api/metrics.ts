// Prometheus metrics for the API: request counts and latency by route template (never the raw
// URL, which would explode label cardinality), and the job queue by state. The hub assembly
// passes its own registry holding the ingest counters, so /metrics serves everything at once.
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { JobQueue } from '../ledger/jobs.ts';

export interface HttpMetrics {
  observe(method: string, route: string, status: number, seconds: number): void;
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

export function createHttpMetrics(registry: Registry, jobs?: JobQueue): HttpMetrics {
  const requests =
    existing<Counter<'method' | 'route' | 'status'>>(registry, 'pretag_http_requests_total') ??
    new Counter({
      name: 'pretag_http_requests_total',
      help: 'HTTP requests answered by the hub API',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
  const latency =
    existing<Histogram<'method' | 'route'>>(registry, 'pretag_http_request_duration_seconds') ??
    new Histogram({
      name: 'pretag_http_request_duration_seconds',
      help: 'Time from request to response in the hub API',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  if (jobs && !existing(registry, 'pretag_jobs'))
    new Gauge({
      name: 'pretag_jobs',
      help: 'Detection jobs in the ledger by state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        for (const [state, n] of Object.entries(jobs.counts())) this.set({ state }, n);
      },
    });
  return {
    observe(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      latency.observe({ method, route }, seconds);
    },
  };
}
