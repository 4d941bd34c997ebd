import { ProblemError, TimeoutError } from './errors';
import { type EventsOptions, sleep, streamEvents, type XenplaneEvent } from './events';
import type { TransportOptions } from './transport';

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** while the event stream is down: how often to read the resource (default 1 s) */
  pollMs?: number;
  /** on the event stream too, read the resource this often in case an event was missed (default 10 s) */
  recheckMs?: number;
  /**
   * how long the stream may take to say it is subscribed (default 5 s); a proxy that buffers
   * event streams never lets it say so: the wait polls instead
   */
  subscribeMs?: number;
}

/** What a wait reads and when it is over. */
export interface WaitSpec<T> {
  /** what the wait is for, for the TimeoutError's message */
  what: string;
  /** the events that may mean it is over (the resource is read again after each) */
  events: Pick<EventsOptions, 'vmId' | 'types'>;
  relevant(e: XenplaneEvent): boolean;
  read(signal: AbortSignal): Promise<T>;
  /** the value to resolve with once it is over, undefined to go on; throws to reject */
  settle(current: T): T | undefined;
}

/**
 * Reads the resource, then again after each relevant event of the stream (subscribed before the
 * first read, so nothing between the two is missed) until settle says it is over. When the stream
 * cannot be had or breaks, polls instead. Reads that fail for a while (5xx, 429, the network: an
 * API restarting) are tried again; any other refusal rejects.
 */
export async function waitUntil<T>(t: TransportOptions, spec: WaitSpec<T>, o: WaitOptions): Promise<T> {
  o.signal?.throwIfAborted();
  const ctl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort();
  }, o.timeoutMs);
  const cancel = () => ctl.abort();
  o.signal?.addEventListener('abort', cancel, { once: true });
  const pollMs = o.pollMs ?? 1_000;
  const recheckMs = o.recheckMs ?? 10_000;
  try {
    let connected!: () => void;
    const subscribed = new Promise<void>((resolve) => (connected = resolve));
    const streamCtl = new AbortController();
    ctl.signal.addEventListener('abort', () => streamCtl.abort(), { once: true });
    const stream = streamEvents(
      t,
      { ...spec.events, signal: streamCtl.signal },
      { reconnect: false, onConnected: connected },
    );
    let next: Promise<IteratorResult<XenplaneEvent> | Error> | undefined = pull(stream);
    // the stream is up (or failed, or too slow to say so, or the wait is over) before the first read
    const notYet = sleep(o.subscribeMs ?? 5_000, ctl.signal).then(() => 'not yet' as const);
    const first = await Promise.race([subscribed, next, notYet]);
    if (first === 'not yet' || first instanceof Error || first?.done) {
      streamCtl.abort();
      next = undefined;
    } else if (first) next = pull(stream); // an event already: the first read covers it
    for (;;) {
      if (ctl.signal.aborted) throw ctl.signal.reason;
      const current = await readTolerantly(spec, ctl.signal);
      if (current.ok) {
        const done = spec.settle(current.value);
        if (done !== undefined) return done;
      }
      if (!next) {
        await sleep(pollMs, ctl.signal);
        continue;
      }
      // the next relevant event, or the recheck's time
      const recheckAt = Date.now() + recheckMs;
      for (;;) {
        const got = await Promise.race([next, sleep(recheckAt - Date.now(), ctl.signal)]);
        if (got === undefined) break; // time to read again (or aborted: checked above)
        if (got instanceof Error || got.done) {
          next = undefined; // the stream is gone: poll from now on
          break;
        }
        next = pull(stream);
        if (spec.relevant(got.value)) break;
      }
    }
  } catch (err) {
    if (timedOut) throw new TimeoutError(`${spec.what}: not within ${o.timeoutMs} ms`);
    if (o.signal?.aborted) throw o.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', cancel);
    ctl.abort(); // ends the stream
  }
}

/** The stream's next event, or its error as a value (a race must not leave a rejection unhandled). */
function pull(stream: AsyncGenerator<XenplaneEvent>): Promise<IteratorResult<XenplaneEvent> | Error> {
  return stream.next().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
}

async function readTolerantly<T>(
  spec: WaitSpec<T>,
  signal: AbortSignal,
): Promise<{ ok: true; value: T } | { ok: false }> {
  try {
    return { ok: true, value: await spec.read(signal) };
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (err instanceof ProblemError && err.status < 500 && err.status !== 429) throw err;
    return { ok: false };
  }
}
