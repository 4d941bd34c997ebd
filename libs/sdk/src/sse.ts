/**
 * A Server-Sent Events parser (the WHATWG event-stream format): text in, in chunks split
 * anywhere, messages out. No maintained parser is among the project's dependencies, and the
 * format is a few lines of rules, each tested in sse.spec.ts.
 */
export type SseMessage =
  | { kind: 'event'; event: string; data: string; id?: string }
  /** a line starting with ':' (the API says ': connected' once it is subscribed, ': ping' to keep alive) */
  | { kind: 'comment'; text: string }
  /** the server's reconnection delay */
  | { kind: 'retry'; ms: number };

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  private first = true;

  /** Feeds a chunk; returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    if (this.first && chunk.length) {
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      this.first = false;
    }
    this.buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const end = this.buffer.search(/\r\n|\r|\n/);
      if (end < 0) break;
      // a lone \r at the end of a chunk may be the first half of \r\n: wait for the next chunk
      if (this.buffer[end] === '\r' && end === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + (this.buffer.startsWith('\r\n', end) ? 2 : 1));
      this.line(line, out);
    }
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.data.length)
        out.push({
          kind: 'event',
          event: this.event || 'message',
          data: this.data.join('\n'),
          ...(this.id !== undefined ? { id: this.id } : {}),
        });
      this.data = [];
      this.event = '';
      return;
    }
    if (line.startsWith(':')) {
      out.push({ kind: 'comment', text: line.slice(1).trimStart() });
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) out.push({ kind: 'retry', ms: Number(value) });
        break;
      default:
      // unknown fields are ignored
    }
  }
}
