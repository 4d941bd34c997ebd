import { createMetricsRegistry } from '@xenplane/observability';
import { Histogram } from 'prom-client';

/** The API process's metrics, served on METRICS_PORT (docs/METRICS.md), never on the API's own port. */
export const registry = createMetricsRegistry('xenplane_api_');

export const httpRequestSeconds = new Histogram({
  name: 'xenplane_api_http_request_seconds',
  help: 'HTTP requests by route template and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});
