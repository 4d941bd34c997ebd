import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A process's own Prometheus registry, with Node's default metrics (CPU, memory, event-loop lag,
 * GC) under `<prefix>` (xenplane_api_, xenplane_scheduler_, xenplane_agent_): each process kind
 * names its own, so one Prometheus tells them apart even without a job label. The registry is the
 * process's, not prom-client's global one: a library registering into the global registry cannot
 * leak into what we export.
 */
export function createMetricsRegistry(prefix: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  return registry;
}

export interface MetricsServerOptions {
  registry: Registry;
  /** 0: no server (metrics off) */
  port: number;
  host: string;
}

/**
 * A small HTTP server answering `GET /metrics` (Prometheus text format) and nothing else (404),
 * on a port of its own: the metrics never share a port with an API tenants reach, and a
 * scraper needs no token. Resolves once it listens, with the port (null when off).
 */
export async function serveMetrics(
  opts: MetricsServerOptions,
): Promise<{ port: number; close(): Promise<void> } | null> {
  if (opts.port === 0) return null;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    opts.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': opts.registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        res
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`collecting metrics failed: ${(err as Error).message}\n`);
      },
    );
  });
  // a scrape is short: a scraper's idle connection must not keep the process from stopping
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  server.unref();
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Latency buckets (seconds) for calls over a network: a millisecond to half a minute. */
export const CALL_SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Buckets (seconds) for an operation's steps, which run from milliseconds to many minutes (an image push, a migration). */
export const STEP_SECONDS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/** Seconds since `start` (a process.hrtime.bigint() reading). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * `read`, shared by the gauges of one scrape: calls made while a read is under way (or in the
 * same turn of the event loop after it ended) get its answer; the next scrape reads afresh.
 * Several gauges built from one query cost one query.
 */
export function sharedPerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= read().finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
}
