/**
 * A fetch for the SDK's unit tests: routes answer by method and path, every request is kept.
 * An answer may be a function of the request (to count calls, change over time, or stream).
 */
export type FakeAnswer = Response | ((req: Request) => Response | Promise<Response>);

export interface FakeFetch {
  fetch: typeof fetch;
  requests: Request[];
  on(method: string, pathAndQuery: string | RegExp, answer: FakeAnswer): FakeFetch;
}

export function fakeFetch(): FakeFetch {
  const routes: { method: string; path: string | RegExp; answer: FakeAnswer }[] = [];
  const requests: Request[] = [];
  const fake: FakeFetch = {
    requests,
    on(method, path, answer) {
      routes.unshift({ method, path, answer });
      return fake;
    },
    fetch: (async (input: Request) => {
      requests.push(input);
      const url = new URL(input.url);
      const target = url.pathname + url.search;
      const route = routes.find(
        (r) => r.method === input.method && (typeof r.path === 'string' ? r.path === target : r.path.test(target)),
      );
      if (!route) return problem(404, 'not_found', `no fake route for ${input.method} ${target}`);
      return typeof route.answer === 'function' ? route.answer(input) : route.answer.clone();
    }) as typeof fetch,
  };
  return fake;
}

export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export const problem = (status: number, code: string, detail: string) =>
  new Response(JSON.stringify({ type: 'about:blank', title: code, status, detail, code }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });

/** An SSE answer whose body is written by the test (write), closed by end() or the request's abort. */
export function sseAnswer(): { response: Response; write(text: string): void; end(): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => (controller = c) });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    write: (text) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  };
}

/** Until `done()` holds (a request recorded, a read counted), checked each turn of the event loop; rejects after `ms`. */
export async function until(done: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setImmediate(r));
  }
}
