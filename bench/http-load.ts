// The load generator's HTTP client, and a bench of what a client costs its own process per request.
// Run: node scripts/build.mjs && node dist/bench/http-load.js [--requests 3000] [--concurrency 50] [--rounds 3]
//   Against a cloud without hosts, each client sends the same requests (GET /v1/flavors, and a
//   POST /v1/vms the API refuses at validation, so the server's share stays small and alike):
//   `node:http` (LoadClient below), `fetch` (undici alone) and `sdk` (@xenplane/sdk's typed
//   client, over fetch). Figures: this process's CPU per request (µs) and requests per second.
import { Agent, request } from 'node:http';
import { createXenplane } from '@xenplane/sdk';
import { Cloud } from '@xenplane/testing';
import { benchArgs } from './args';
import { report, round } from './report';

/**
 * The load generator's HTTP client: node:http over kept-alive connections. It shares the two
 * cores with the cloud under test, and fetch (undici, so the SDK too) costs its process several
 * times the CPU per request (`node dist/bench/http-load.js`; BENCHMARKS.md).
 */
export class LoadClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 100 });
  private readonly base: URL;

  constructor(
    baseUrl: string,
    private readonly token: string,
  ) {
    this.base = new URL(baseUrl);
  }

  send<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** One request of each kind the bench sends, as a client makes it; resolves to the status. */
type Client = { get(): Promise<number>; post(): Promise<number> };

const REFUSED_CREATE = { name: 'bench', flavor: 'none', image: 'none', count: 0 };

async function main() {
  const args = benchArgs(['requests', 'concurrency', 'rounds']);
  const requests = args.num('requests', 3000);
  const concurrency = args.num('concurrency', 50);
  const rounds = args.num('rounds', 3);
  const cloud = await Cloud.start({ hosts: 0, logLevel: 'warn' });
  try {
    const base = cloud.apiUrl;
    const token = cloud.adminToken;
    const http = new LoadClient(base, token);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // the bench's own requests say no Idempotency-Key, as LoadClient's do: the same server work
    const xp = createXenplane({ baseUrl: base, token, idempotencyKeys: false });
    const clients: Record<string, Client> = {
      'node:http': {
        get: async () => (await http.send('GET', '/v1/flavors')).status,
        post: async () => (await http.send('POST', '/v1/vms', REFUSED_CREATE)).status,
      },
      fetch: {
        get: async () => statusOf(await fetch(`${base}/v1/flavors`, { headers })),
        post: async () =>
          statusOf(await fetch(`${base}/v1/vms`, { method: 'POST', headers, body: JSON.stringify(REFUSED_CREATE) })),
      },
      sdk: {
        get: async () => (await xp.raw.GET('/v1/flavors')).response.status,
        post: async () => (await xp.raw.POST('/v1/vms', { body: REFUSED_CREATE })).response.status,
      },
    };
    const rows: Record<string, string | number>[] = [];
    for (const client of Object.values(clients)) await run(client, 'get', 500, concurrency); // warm-up
    for (let r = 0; r < rounds; r++) {
      // a different client first each round: the machine drifts
      const names = Object.keys(clients);
      const order = [...names.slice(r % names.length), ...names.slice(0, r % names.length)];
      for (const name of order)
        for (const kind of ['get', 'post'] as const) {
          const m = await run(clients[name]!, kind, requests, concurrency);
          rows.push({
            round: r + 1,
            client: name,
            request: kind === 'get' ? 'GET /v1/flavors' : 'POST /v1/vms (400)',
            ...m,
          });
        }
    }
    http.close();
    report('http-load client CPU', rows, { requests, concurrency });
  } finally {
    await cloud.stop();
  }
}

async function statusOf(res: Response): Promise<number> {
  await res.arrayBuffer();
  return res.status;
}

/** n requests, concurrency at a time: this process's CPU per request and the rate. */
async function run(client: Client, kind: 'get' | 'post', n: number, concurrency: number) {
  const expected = kind === 'get' ? 200 : 400;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) {
        const status = await client[kind]();
        if (status !== expected) throw new Error(`${kind}: ${status}, not ${expected}`);
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { client_us_per_req: round((cpu.user + cpu.system) / n, 0), req_per_s: round((n / ms) * 1000, 0) };
}

if (require.main === module)
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
