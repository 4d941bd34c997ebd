import { requestRaw, type TransportOptions } from '@xenplane/sdk';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * The e2e tests' client of the public API: the SDK's requestRaw (the one request function the
 * typed client goes through too), answering { status, body, headers } whatever the status, so
 * that a test can look at any refusal. It sends what a test says and nothing more: no
 * Idempotency-Key unless the test gives one.
 */
export class ApiClient {
  private readonly transport: TransportOptions;

  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {
    this.transport = { baseUrl, ...(token ? { token } : {}), idempotencyKeys: false };
  }

  withToken(token: string | undefined): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  get<T = any>(path: string, headers: Record<string, string> = {}) {
    return this.request<T>('GET', path, undefined, headers);
  }
  post<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.request<T>('POST', path, body, headers);
  }
  patch<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.request<T>('PATCH', path, body, headers);
  }
  delete<T = any>(path: string, headers: Record<string, string> = {}) {
    return this.request<T>('DELETE', path, undefined, headers);
  }
  /** PUT of bytes as application/octet-stream (an image's content), with its Content-Length. */
  putBytes<T = any>(path: string, bytes: Uint8Array, headers: Record<string, string> = {}) {
    return this.request<T>('PUT', path, bytes, { 'content-type': 'application/octet-stream', ...headers });
  }

  /**
   * body: an object is sent as JSON; a string is sent as it is (for malformed-JSON tests); bytes
   * as they are (give their content-type in headers).
   */
  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const res = await requestRaw(this.transport, method, path, {
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined
        ? { body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) }
        : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
}
