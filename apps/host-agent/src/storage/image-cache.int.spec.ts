import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageChunk } from '@xenplane/proto';
import { AgentError } from '../errors';
import { ImageCache } from './image-cache';

const MiB = 1024 * 1024;
const ID = '0b7e4c52-7d2a-4f7e-9d55-3f1e2a9c8b01';

const content = (n: number) => Array.from({ length: n }, (_, k) => Buffer.alloc(MiB, k % 2 ? 0 : k + 1));
const sha256 = (bufs: Buffer[]) => bufs.reduce((h, b) => h.update(b), createHash('sha256')).digest('hex');
const header = (bufs: Buffer[], over: Partial<{ imageId: string; sha256: string; sizeBytes: number }> = {}) => ({
  part: {
    $case: 'header' as const,
    value: { imageId: ID, sha256: sha256(bufs), sizeBytes: bufs.length * MiB, format: 'raw', ...over },
  },
});

async function* stream(
  bufs: Buffer[],
  o: { header?: ImageChunk; breakAfter?: number; gate?: Promise<void>; atGate?: () => void } = {},
): AsyncGenerator<ImageChunk> {
  yield o.header ?? header(bufs);
  for (const [k, data] of bufs.entries()) {
    if (k === o.breakAfter) throw new Error('stream broke');
    if (k === 1 && o.gate) {
      o.atGate?.();
      await o.gate;
    }
    yield { part: { $case: 'data', value: data } };
  }
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as AgentError,
  );

describe("the agent's image cache (PutImage, GetImage)", () => {
  let workDir: string;
  let cache: ImageCache;
  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'xp-image-cache-'));
    cache = new ImageCache(workDir);
  });
  afterEach(() => rmSync(workDir, { recursive: true, force: true }));

  it('keeps a pushed image as images/<id>.raw, checked against its header, and answers for it after', async () => {
    const bufs = content(6);
    expect(await cache.has(ID)).toBe(false);
    const stored = await cache.put(stream(bufs));
    expect(stored).toEqual({ imageId: ID, sha256: sha256(bufs), sizeBytes: 6 * MiB });
    expect(cache.path(ID)).toBe(join(workDir, 'images', `${ID}.raw`));
    expect(statSync(cache.path(ID)).size).toBe(6 * MiB);
    expect(await cache.has(ID)).toBe(true);
    // a new cache over the same directory (an agent restarted) knows it without reading it again
    expect(await new ImageCache(workDir).get(ID)).toEqual(stored);
    expect(readdirSync(join(workDir, 'images')).sort()).toEqual([`${ID}.raw`, `${ID}.sha256`]);
  });

  it('leaves the zero chunks of an image as holes', async () => {
    const bufs = [Buffer.alloc(MiB, 9), Buffer.alloc(MiB), Buffer.alloc(MiB), Buffer.alloc(MiB)];
    await cache.put(stream(bufs));
    const st = statSync(cache.path(ID));
    expect(st.size).toBe(4 * MiB);
    expect(st.blocks * 512).toBeLessThan(2 * MiB);
  });

  it('answers not_found for an image it does not hold, invalid_argument for an id that is not a uuid', async () => {
    expect(await failure(cache.get(ID))).toMatchObject({ code: 'not_found' });
    expect(await failure(cache.get('../etc/passwd'))).toMatchObject({ code: 'invalid_argument' });
    expect(() => cache.path('../x')).toThrow(AgentError);
  });

  it('keeps nothing when the content is not what the header says: another sha256, fewer or more bytes', async () => {
    const bufs = content(3);
    for (const h of [
      header(bufs, { sha256: 'f'.repeat(64) }),
      header(bufs, { sizeBytes: 4 * MiB }),
      header(bufs, { sizeBytes: 2 * MiB }),
    ])
      expect(await failure(cache.put(stream(bufs, { header: h })))).toMatchObject({ code: 'invalid_argument' });
    expect(readdirSync(join(workDir, 'images'))).toEqual([]);
    expect(await cache.has(ID)).toBe(false);
  });

  it('keeps nothing of a stream that broke off', async () => {
    const err = await failure(cache.put(stream(content(4), { breakAfter: 2 })));
    expect(err?.message).toBe('stream broke');
    expect(readdirSync(join(workDir, 'images'))).toEqual([]);
  });

  it('refuses a stream that does not start with a valid header', async () => {
    const bufs = content(1);
    const noHeader = { part: { $case: 'data' as const, value: bufs[0]! } };
    expect(await failure(cache.put(stream(bufs, { header: noHeader })))).toMatchObject({ code: 'invalid_argument' });
    for (const over of [{ imageId: 'not-a-uuid' }, { sha256: 'xyz' }, { sizeBytes: 0 }])
      expect(await failure(cache.put(stream(bufs, { header: header(bufs, over) })))).toMatchObject({
        code: 'invalid_argument',
      });
  });

  it('makes a second push of an image that is arriving wait, then answers with the first one’s image', async () => {
    const bufs = content(3);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let atGate!: () => void;
    const writing = new Promise<void>((r) => (atGate = r));
    const first = cache.put(stream(bufs, { gate, atGate }));
    // the first push is writing its data (its first chunk is in the part file)
    await writing;
    let secondRead = 0;
    const second = cache.put(
      (async function* () {
        for await (const c of stream(bufs)) {
          secondRead++;
          yield c;
        }
      })(),
    );
    open();
    const [a, b] = await Promise.all([first, second]);
    expect(b).toEqual(a);
    // the second stream's header was read, none of its data: the image was the first one's
    expect(secondRead).toBe(1);
    expect(readdirSync(join(workDir, 'images')).sort()).toEqual([`${ID}.raw`, `${ID}.sha256`]);
  });
});
