import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface JsonResponse {
  status: number;
  body: Record<string, string>;
}

/**
 * POSTs JSON and reads a JSON answer with node:http(s), not fetch: the agent runs with
 * --lite-mode (no WebAssembly), and fetch's HTTP parser (undici's llhttp) is WebAssembly.
 */
export function postJson(url: URL, payload: unknown, timeoutMs: number): Promise<JsonResponse> {
  const body = JSON.stringify(payload);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      signal: AbortSignal.timeout(timeoutMs),
    });
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () =>
        resolve({ status: res.statusCode ?? 0, body: parseObject(Buffer.concat(chunks).toString('utf8')) }),
      );
    });
    req.end(body);
  });
}

function parseObject(text: string): Record<string, string> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, string>) : {};
  } catch {
    return {};
  }
}
