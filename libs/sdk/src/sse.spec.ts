import { type SseMessage, SseParser } from './sse';

const all = (chunks: string[]): SseMessage[] => {
  const p = new SseParser();
  return chunks.flatMap((c) => p.push(c));
};

describe('SseParser', () => {
  it('reads the API’s events: id, event, data', () => {
    expect(all(['id: 7\nevent: vm.state\ndata: {"a":1}\n\n'])).toEqual([
      { kind: 'event', id: '7', event: 'vm.state', data: '{"a":1}' },
    ]);
  });

  it('joins data lines, and dispatches nothing without data', () => {
    expect(all(['data: one\ndata: two\n\nevent: x\n\n'])).toEqual([
      { kind: 'event', event: 'message', data: 'one\ntwo' },
    ]);
  });

  it('puts together lines split anywhere across chunks, \\r\\n split between two included', () => {
    const text = 'id: 12\r\nevent: operation.status\r\ndata: {"status":"running"}\r\n\r\n';
    for (let i = 1; i < text.length; i++) {
      expect({ split: i, got: all([text.slice(0, i), text.slice(i)]) }).toEqual({
        split: i,
        got: [{ kind: 'event', id: '12', event: 'operation.status', data: '{"status":"running"}' }],
      });
    }
  });

  it('takes \\r alone as a line end, and a leading BOM is not part of the first field', () => {
    expect(all(['\ufeffdata: a\r\rdata: b\r\r'])).toEqual([{ kind: 'event', event: 'message', data: 'a' }]);
  });

  it('gives comments (": connected") and retry, and ignores a retry that is not a number', () => {
    expect(all([': connected\n\nretry: 2500\nretry: soon\n: ping\n\n'])).toEqual([
      { kind: 'comment', text: 'connected' },
      { kind: 'retry', ms: 2500 },
      { kind: 'comment', text: 'ping' },
    ]);
  });

  it('keeps the last id for later events (the Last-Event-ID to resume from), and one space only is stripped', () => {
    expect(all(['id: 3\ndata:  x\n\ndata:y\n\n'])).toEqual([
      { kind: 'event', id: '3', event: 'message', data: ' x' },
      { kind: 'event', id: '3', event: 'message', data: 'y' },
    ]);
  });

  it('ignores unknown fields, a field without a colon counts as empty', () => {
    expect(all(['foo: bar\ndata\n\n'])).toEqual([{ kind: 'event', event: 'message', data: '' }]);
  });

  it('does not dispatch an event still missing its blank line', () => {
    expect(all(['data: half'])).toEqual([]);
  });
});
