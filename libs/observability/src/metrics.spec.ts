import { createServer } from 'node:net';
import { Counter } from 'prom-client';
import { createMetricsRegistry, serveMetrics, sharedPerScrape } from './metrics';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('serveMetrics', () => {
  it('answers GET /metrics in the text format, and nothing else', async () => {
    const registry = createMetricsRegistry('xenplane_test_');
    new Counter({ name: 'xenplane_test_things_total', help: 'things', registers: [registry] }).inc(3);
    const server = await serveMetrics({ registry, port: await freePort(), host: '127.0.0.1' });
    try {
      const base = `http://127.0.0.1:${server!.port}`;
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      expect(text).toMatch(/^xenplane_test_things_total 3$/m);
      expect(text).toContain('xenplane_test_process_cpu_seconds_total');
      expect((await fetch(`${base}/`)).status).toBe(404);
      expect((await fetch(`${base}/metrics/x`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      await server!.close();
    }
  });

  it('serves nothing on port 0', async () => {
    expect(
      await serveMetrics({ registry: createMetricsRegistry('xenplane_off_'), port: 0, host: '127.0.0.1' }),
    ).toBeNull();
  });
});

describe('sharedPerScrape', () => {
  it('gives the calls of one scrape one read, and the next scrape a new one', async () => {
    let reads = 0;
    const read = sharedPerScrape(async () => ++reads);
    expect(await Promise.all([read(), read(), read()])).toEqual([1, 1, 1]);
    await new Promise((r) => setImmediate(r));
    expect(await read()).toBe(2);
  });
});
