export interface SseEvent {
  id: string;
  event: string;
  data: any;
}

/**
 * Reads a Server-Sent Events stream (GET /v1/events) into an array as events arrive;
 * close() ends it. For tests: the events seen so far are in `events`.
 */
export class SseReader {
  readonly events: SseEvent[] = [];
  /** the reconnection delay the stream asked for (its `retry:` field), once seen */
  retryMs?: number;
  private readonly abort = new AbortController();
  private done?: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
  ) {}

  async open(): Promise<this> {
    const res = await fetch(this.url, { headers: this.headers, signal: this.abort.signal });
    if (res.status !== 200 || !res.body) throw new Error(`SSE ${this.url}: ${res.status} ${await res.text()}`);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    this.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            this.parse(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch {
        // aborted
      }
    })();
    return this;
  }

  async waitFor(predicate: (e: SseEvent) => boolean, timeoutMs = 20_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(predicate);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no matching event in ${timeoutMs} ms; saw ${this.events.length}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private parse(block: string): void {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).trimStart();
    }
    if (fields['retry'] !== undefined && /^\d+$/.test(fields['retry'])) this.retryMs = Number(fields['retry']);
    if (fields['data'] !== undefined)
      this.events.push({
        id: fields['id'] ?? '',
        event: fields['event'] ?? 'message',
        data: JSON.parse(fields['data']),
      });
  }
}
