import { SDK_VERSION } from './version';

/** How to reach the API: what every request of a client shares. */
export interface TransportOptions {
  baseUrl: string;
  /** a project or global token, sent as a bearer token */
  token?: string;
  /** fetch to send with (tests give a fake; default: the global fetch) */
  fetch?: typeof fetch;
  userAgent?: string;
  /** make an Idempotency-Key for every POST/PUT/PATCH/DELETE unless given (default true) */
  idempotencyKeys?: boolean;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The one place a request leaves the SDK (the typed client's fetch, requestRaw, the event
 * stream): the token, the User-Agent and an Idempotency-Key for writes, each unless the request
 * already says otherwise.
 */
export function send(t: TransportOptions, request: Request): Promise<Response> {
  const headers = request.headers;
  if (t.token && !headers.has('authorization')) headers.set('authorization', `Bearer ${t.token}`);
  if (!headers.has('user-agent')) headers.set('user-agent', t.userAgent ?? `xenplane-sdk/${SDK_VERSION}`);
  if (t.idempotencyKeys !== false && WRITES.has(request.method) && !headers.has('idempotency-key'))
    headers.set('idempotency-key', crypto.randomUUID());
  return (t.fetch ?? fetch)(request);
}

export interface RawRequestInit {
  /** sent as it is: serialise JSON yourself (requestRaw is for what the typed client cannot say) */
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * A request by method and path (with its query string), answered as the Response whatever its
 * status: for tests of malformed input, streams and bytes. Goes through send() like every other.
 */
export function requestRaw(t: TransportOptions, method: string, path: string, init: RawRequestInit = {}) {
  return send(
    t,
    new Request(joinUrl(t.baseUrl, path), {
      method,
      ...(init.headers ? { headers: init.headers } : {}),
      // (typed for DOM's lib too, where a Uint8Array over any ArrayBufferLike is not a BodyInit)
      ...(init.body !== undefined ? { body: init.body as NonNullable<RequestInit['body']> } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    }),
  );
}

export function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + path;
}
