import type { Readable, Writable } from 'node:stream';
import type { MigrationChunk } from '@xenplane/proto';

/**
 * Byte streams (xl's pipes, the transport's socket) to and from the gRPC migration stream, whose
 * messages are MigrationChunks. Both directions respect backpressure: a slow side pauses the
 * other rather than buffering a guest's memory in the agent.
 */

// Reads come 64 KB at a time; each message has a fixed cost (protobuf, HTTP/2 frames, TLS
// records, a JS callback on each side) that dominates on a slow dom0. Reads that arrive together
// travel as one message of up to this size.
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** What `from` reads becomes data chunks written to `to`: the reads of one turn of the event loop together. */
export function pumpBytes(from: Readable, to: Writable, wrap: (data: Buffer) => MigrationChunk): void {
  let pending: Buffer[] = [];
  let size = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (size === 0) return;
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, size);
    pending = [];
    size = 0;
    if (!to.write(wrap(data))) waitForDrain(from, to);
  };
  from.on('data', (data: Buffer) => {
    pending.push(data);
    size += data.length;
    if (size >= MAX_MESSAGE_BYTES) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
  // before anyone else hears of the end: what was read goes first
  from.on('end', flush);
}

/** The data of each chunk from `from` is written to `to`; the chunk marked eof goes to onEof instead. */
export function pumpChunks(from: Readable, to: Writable, onEof: (chunk: MigrationChunk) => void): void {
  from.on('data', (chunk: MigrationChunk) => {
    if (chunk.eof) onEof(chunk);
    else if (chunk.data.length > 0 && !to.write(chunk.data)) waitForDrain(from, to);
  });
}

function waitForDrain(from: Readable, to: Writable): void {
  if (from.isPaused()) return;
  from.pause();
  to.once('drain', () => from.resume());
}

/** The first chunk of a stream, leaving the stream paused for whoever reads the rest. */
export function firstChunk(stream: Readable, signal: AbortSignal): Promise<MigrationChunk> {
  return new Promise((resolve, reject) => {
    const onEnd = () => reject(new Error('the stream ended before its first chunk'));
    const onAbort = () => reject(new Error('the stream was cancelled before its first chunk'));
    const off = () => {
      stream.off('error', reject);
      stream.off('end', onEnd);
      signal.removeEventListener('abort', onAbort);
    };
    stream.once('error', reject);
    stream.once('end', onEnd);
    signal.addEventListener('abort', onAbort, { once: true });
    stream.once('data', (chunk: MigrationChunk) => {
      stream.pause();
      off();
      resolve(chunk);
    });
  });
}
