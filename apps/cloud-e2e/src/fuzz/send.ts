import { Agent, request } from 'node:http';
import type { FuzzRequest } from './requests';

export interface FuzzAnswer {
  request: FuzzRequest;
  /** 0: no HTTP answer at all (error says why) */
  status: number;
  contentType: string;
  body: string;
  error?: string;
}

const TIMEOUT_MS = 30_000;

/**
 * Sends fuzzed requests over kept-alive node:http connections (fetch refuses some of what the
 * fuzzer sends on purpose). An event stream is closed as soon as its headers arrive.
 */
export class FuzzClient {
  private readonly agent: Agent;
  private readonly base: URL;

  constructor(
    baseUrl: string,
    readonly concurrency: number,
  ) {
    this.base = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  }

  /** All of them, at most `concurrency` at once, answers in the requests' order. */
  async sendAll(requests: FuzzRequest[]): Promise<FuzzAnswer[]> {
    const answers: FuzzAnswer[] = new Array(requests.length);
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const i = next++;
        answers[i] = await this.send(requests[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, requests.length) }, worker));
    return answers;
  }

  send(r: FuzzRequest): Promise<FuzzAnswer> {
    const payload = r.body === undefined ? undefined : Buffer.from(r.body, 'utf8');
    return new Promise((resolve) => {
      let settled = false;
      const done = (a: Omit<FuzzAnswer, 'request'>) => {
        if (settled) return;
        settled = true;
        resolve({ request: r, ...a });
      };
      const req = request(
        {
          agent: this.agent,
          host: this.base.hostname,
          port: this.base.port,
          method: r.method,
          path: r.url,
          headers: {
            ...r.headers,
            ...(payload && !r.headers['transfer-encoding'] ? { 'content-length': payload.length } : {}),
          },
          timeout: TIMEOUT_MS,
        },
        (res) => {
          const contentType = String(res.headers['content-type'] ?? '');
          if (contentType.startsWith('text/event-stream')) {
            req.destroy();
            done({ status: res.statusCode ?? 0, contentType, body: '' });
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            done({ status: res.statusCode ?? 0, contentType, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', (err) => done({ status: res.statusCode ?? 0, contentType, body: '', error: err.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      req.on('error', (err) => done({ status: 0, contentType: '', body: '', error: err.message }));
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
