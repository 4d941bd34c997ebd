import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { waitFor } from '@xenplane/testing';
import { ImageStore, UploadRefused } from './image-store';

const MiB = 1024 * 1024;
const ID = '0b7e4c52-7d2a-4f7e-9d55-3f1e2a9c8b01';

/** n chunks of 1 MiB, each filled with its index, made only when the reader asks for it. */
function lazyChunks(n: number, onMake?: (k: number) => void): Readable {
  return Readable.from(
    (function* () {
      for (let k = 0; k < n; k++) {
        onMake?.(k);
        yield Buffer.alloc(MiB, k % 251);
      }
    })(),
    { objectMode: false, highWaterMark: MiB },
  );
}

const sha256Of = (n: number) => {
  const h = createHash('sha256');
  for (let k = 0; k < n; k++) h.update(Buffer.alloc(MiB, k % 251));
  return h.digest('hex');
};

jest.setTimeout(30_000);

/** Resolves once the file holds `bytes` (the store's write of a chunk has landed). */
const partHolds = (file: string, bytes: number) =>
  waitFor(
    `${file} to hold ${bytes} bytes`,
    async () => (existsSync(file) && statSync(file).size >= bytes) || undefined,
    {
      timeoutMs: 10_000,
      intervalMs: 5,
    },
  );

describe('the image store (an upload streamed to IMAGE_STORE_DIR)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'xp-image-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes 64 MiB chunk by chunk, never more than a few MiB ahead of the disk, and keeps it under the image id', async () => {
    const store = new ImageStore(dir, 1024 * MiB);
    let lead = 0;
    const source = lazyChunks(64, (k) => {
      // what the reader asked for beyond what is already in the part file: memory the upload holds
      const onDisk = existsSync(store.partPath(ID)) ? statSync(store.partPath(ID)).size / MiB : 0;
      lead = Math.max(lead, k - onDisk);
    });
    const stored = await store.receive(ID, source, sha256Of(64));
    expect(stored).toEqual({ sizeBytes: 64 * MiB, sha256: sha256Of(64) });
    expect(lead).toBeLessThanOrEqual(4);
    expect(readdirSync(dir)).toEqual([ID]);
    expect(statSync(store.path(ID)).size).toBe(64 * MiB);
    expect(readFileSync(store.path(ID)).subarray(63 * MiB, 63 * MiB + 4)).toEqual(Buffer.alloc(4, 63));
  });

  it('refuses content over the limit while streaming (no length declared): the part file is removed, nothing kept', async () => {
    const store = new ImageStore(dir, 3 * MiB);
    const source = lazyChunks(8);
    const err = await store.receive(ID, source, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadRefused);
    expect((err as UploadRefused).reason).toBe('too_large');
    expect(readdirSync(dir)).toEqual([]);
    // the request is left readable (paused), so the API can still answer it
    expect(source.destroyed).toBe(false);
  });

  it('refuses content whose sha256 is not the one the client named: nothing kept', async () => {
    const store = new ImageStore(dir, 64 * MiB);
    const err = await store.receive(ID, lazyChunks(2), 'f'.repeat(64)).catch((e: unknown) => e);
    expect((err as UploadRefused).reason).toBe('checksum_mismatch');
    expect((err as Error).message).toContain(sha256Of(2));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps nothing of an upload that broke off', async () => {
    const store = new ImageStore(dir, 64 * MiB);
    const source = new PassThrough();
    const receiving = store.receive(ID, source, null);
    // destroyed once the store read its first chunk (the part file exists by then)
    source.write(Buffer.alloc(MiB, 1), () => source.destroy(new Error('connection reset')));
    source.on('error', () => undefined);
    await expect(receiving).rejects.toMatchObject({ reason: 'aborted' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takes one upload of an image at a time: a second while the first runs is refused, the first unharmed', async () => {
    const store = new ImageStore(dir, 64 * MiB);
    const first = new PassThrough();
    const receiving = store.receive(ID, first, null);
    first.write(Buffer.alloc(MiB, 7));
    await partHolds(store.partPath(ID), MiB);
    await expect(store.receive(ID, lazyChunks(1), null)).rejects.toMatchObject({ reason: 'busy' });
    first.end(Buffer.alloc(MiB, 7));
    expect((await receiving).sizeBytes).toBe(2 * MiB);
    expect(readdirSync(dir)).toEqual([ID]);
  });

  it('lets a new upload take over the part file of one stalled for a minute, and never renames the other’s file', async () => {
    const store = new ImageStore(dir, 64 * MiB);
    const stalled = new PassThrough();
    const first = store.receive(ID, stalled, null);
    stalled.write(Buffer.alloc(MiB, 1));
    // the chunk is in the part file (write's callback says only that the stream took it): a
    // write after the backdating below would make the part file fresh again
    await partHolds(store.partPath(ID), MiB);
    // its writer went quiet (a dead API replica, a stuck client) over a minute ago
    const old = new Date(Date.now() - 120_000);
    utimesSync(store.partPath(ID), old, old);
    const taken = await store.receive(ID, lazyChunks(2), sha256Of(2));
    expect(taken.sizeBytes).toBe(2 * MiB);
    stalled.end(Buffer.alloc(MiB, 1));
    await expect(first).rejects.toMatchObject({ reason: 'busy' });
    expect(readdirSync(dir)).toEqual([ID]);
    expect(
      createHash('sha256')
        .update(readFileSync(store.path(ID)))
        .digest('hex'),
    ).toBe(sha256Of(2));
  });

  it('removes an image’s content', async () => {
    const store = new ImageStore(dir, 64 * MiB);
    await store.receive(ID, lazyChunks(1), null);
    await store.remove(ID);
    await store.remove(ID);
    expect(readdirSync(dir)).toEqual([]);
  });
});
