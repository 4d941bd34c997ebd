import { PassThrough, Writable } from 'node:stream';
import type { MigrationChunk } from '@xenplane/proto';
import { pumpBytes, pumpChunks } from './migration-relay';

const chunkOf = (data: Buffer): MigrationChunk => ({ vmId: 'vm', epoch: 1, data, eof: false, ticket: '' });

function sink(highWaterMark = 16) {
  const got: MigrationChunk[] = [];
  const to = new Writable({
    objectMode: true,
    highWaterMark,
    write(chunk: MigrationChunk, _enc, cb) {
      got.push(chunk);
      setImmediate(cb);
    },
  });
  return { to, got };
}

describe('pumpBytes', () => {
  it('sends the reads of one turn of the event loop as one message, and flushes on end before others hear of it', async () => {
    const from = new PassThrough();
    const { to, got } = sink();
    pumpBytes(from, to, chunkOf);
    let atEnd = -1;
    from.on('end', () => (atEnd = got.length));
    from.write('a');
    from.write('b');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    from.end('c');
    await new Promise((r) => from.once('end', r));
    expect(got.map((c) => c.data.toString())).toEqual(['ab', 'c']);
    expect(atEnd).toBe(2);
  });

  it('never builds a message over 1 MB', async () => {
    const from = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
    const { to, got } = sink();
    pumpBytes(from, to, chunkOf);
    for (let i = 0; i < 40; i++) from.write(Buffer.alloc(64 * 1024, i));
    from.end();
    await new Promise((r) => from.once('end', r));
    await new Promise((r) => to.end(r));
    const sizes = got.map((c) => c.data.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(40 * 64 * 1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1024 * 1024);
    expect(got.length).toBeLessThan(40);
  });

  it('pauses the reader while the writer is full, and resumes on drain', async () => {
    const from = new PassThrough();
    const { to } = sink(1);
    pumpBytes(from, to, chunkOf);
    from.write(Buffer.alloc(2 * 1024 * 1024));
    expect(from.isPaused()).toBe(true);
    await new Promise((r) => to.once('drain', r));
    expect(from.isPaused()).toBe(false);
  });
});

describe('pumpChunks', () => {
  it('writes the data of each chunk and hands the eof chunk over instead', () => {
    const from = new PassThrough({ objectMode: true });
    const to = new PassThrough();
    const eofs: MigrationChunk[] = [];
    pumpChunks(from, to, (c) => eofs.push(c));
    from.write(chunkOf(Buffer.from('xy')));
    from.write({ ...chunkOf(Buffer.from('{"domId":3}')), eof: true, ticket: '' });
    expect(to.read()?.toString()).toBe('xy');
    expect(eofs.map((c) => c.data.toString())).toEqual(['{"domId":3}']);
  });
});
