import { ProblemError } from './errors';
import { SseParser } from './sse';
import { requestRaw, type TransportOptions } from './transport';

/** One state change of GET /v1/events (the API's formatSse payload). */
export interface XenplaneEvent<D = Record<string, unknown>> {
  id: string;
  /** vm.state, operation.status, host.state, pool.partitioned, ... */
  type: string;
  resourceType: string;
  resourceId: string;
  projectId: string | null;
  data: D;
  createdAt: string;
}

export interface EventsOptions {
  /** a VM's events: its own and its operations' */
  vmId?: string;
  /** only these event types */
  types?: readonly string[];
  /** resume after this event id (what Last-Event-ID says on a reconnect) */
  since?: string;
  signal?: AbortSignal;
}

export interface StreamControl {
  /** reconnect (with Last-Event-ID) when the stream ends or fails; false: end instead */
  reconnect: boolean;
  /** called once the server is subscribed (its first comment or event): events after it arrive */
  onConnected?: () => void;
}

const DEFAULT_RETRY_MS = 1_000;

/** Whether an event is one the options ask for (also checked here when the server filtered). */
export function eventMatches(e: XenplaneEvent, o: Pick<EventsOptions, 'vmId' | 'types'>): boolean {
  if (o.types?.length && !o.types.includes(e.type)) return false;
  if (o.vmId !== undefined) {
    const vmOfOperation = (e.data as { vmId?: unknown } | null)?.vmId;
    return (e.resourceType === 'vm' && e.resourceId === o.vmId) || vmOfOperation === o.vmId;
  }
  return true;
}

/**
 * The event stream as an async iterable. Server-side filters (?vmId=, ?types=) are asked for and
 * dropped if this server refuses them (400: an API older than them); events are always filtered
 * here too. A refusal (401, 403, ...) throws a ProblemError; an aborted signal ends the iteration.
 */
export async function* streamEvents(
  t: TransportOptions,
  o: EventsOptions,
  control: StreamControl = { reconnect: true },
): AsyncGenerator<XenplaneEvent> {
  const local = new AbortController();
  const stop = () => local.abort(o.signal?.reason);
  if (o.signal?.aborted) return;
  o.signal?.addEventListener('abort', stop, { once: true });
  let lastId = o.since;
  let retryMs = DEFAULT_RETRY_MS;
  let serverFilters = o.vmId !== undefined || !!o.types?.length;
  let connected = false;
  try {
    for (;;) {
      let res: Response;
      try {
        res = await requestRaw(t, 'GET', `/v1/events${query(o, serverFilters)}`, {
          headers: { accept: 'text/event-stream', ...(lastId !== undefined ? { 'last-event-id': lastId } : {}) },
          signal: local.signal,
        });
      } catch (err) {
        if (local.signal.aborted) return;
        if (!control.reconnect) throw err;
        await sleep(retryMs, local.signal);
        continue;
      }
      if (!res.ok) {
        const problem = await ProblemError.fromResponse(res);
        if (problem.status === 400 && serverFilters) {
          serverFilters = false; // an API without ?vmId= / ?types=: filter here only
          continue;
        }
        if (problem.status < 500 && problem.status !== 429) throw problem;
        if (!control.reconnect) throw problem;
        await sleep(retryMs, local.signal);
        continue;
      }
      const parser = new SseParser();
      const decoder = new TextDecoder();
      try {
        for await (const chunk of chunksOf(res, local.signal)) {
          for (const m of parser.push(decoder.decode(chunk, { stream: true }))) {
            if (m.kind === 'retry') {
              retryMs = m.ms;
              continue;
            }
            if (!connected) {
              connected = true;
              control.onConnected?.();
            }
            if (m.kind !== 'event') continue;
            if (m.id !== undefined) lastId = m.id;
            const e = JSON.parse(m.data) as XenplaneEvent;
            if (eventMatches(e, o)) yield e;
          }
        }
      } catch (err) {
        if (local.signal.aborted) return;
        if (!control.reconnect) throw err;
      }
      if (local.signal.aborted) return;
      if (!control.reconnect) throw new Error('the event stream ended');
      await sleep(retryMs, local.signal);
    }
  } catch (err) {
    if (local.signal.aborted) return;
    throw err;
  } finally {
    o.signal?.removeEventListener('abort', stop);
    local.abort(); // a consumer that stops iterating closes the connection
  }
}

/**
 * A body's chunks (by its reader: not every runtime's ReadableStream is async-iterable), ending
 * when the signal aborts even if the fetch given does not tie its body to the signal.
 */
async function* chunksOf(res: Response, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  if (!res.body) return;
  const reader = res.body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    signal.removeEventListener('abort', cancel);
    cancel();
  }
}

function query(o: EventsOptions, serverFilters: boolean): string {
  const q = new URLSearchParams();
  if (serverFilters && o.vmId !== undefined) q.set('vmId', o.vmId);
  if (serverFilters && o.types?.length) q.set('types', o.types.join(','));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Resolves after ms, or as soon as the signal aborts (then with no error: callers check it). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
