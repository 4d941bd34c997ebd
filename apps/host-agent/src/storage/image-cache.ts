import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageChunk, ImageHeader, StoredImage } from '@xenplane/proto';
import { AgentError } from '../errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The images this host keeps (docs: storage design): `images/<id>.raw` under the agent's
 * storage directory, pushed once by the control plane (PutImage) and then kept for every VM
 * whose root disk is a copy-on-write clone of it. An image's content never changes, so a file
 * that is there is the image. Its sha256 is kept beside it (`<id>.sha256`, written before the
 * image is renamed into place), so GetImage answers without reading gigabytes again.
 */
export class ImageCache {
  /** puts under way, by image id: a second put of one image waits for the first */
  private readonly arriving = new Map<string, Promise<StoredImage>>();
  private readonly dir: string;

  constructor(workDir: string) {
    this.dir = join(workDir, 'images');
  }

  path(imageId: string): string {
    return join(this.dir, `${validId(imageId)}.raw`);
  }

  async has(imageId: string): Promise<boolean> {
    return (await this.find(validId(imageId))) !== undefined;
  }

  /** The cached image, or AgentError not_found. */
  async get(imageId: string): Promise<StoredImage> {
    const found = await this.find(validId(imageId));
    if (!found) throw new AgentError('not_found', `image ${imageId} is not cached on this host`);
    return found;
  }

  /**
   * Keeps the image a PutImage stream carries: its header first, then its bytes, written to
   * `<id>.raw.part` as they come (hashed and counted on the way; all-zero chunks left as holes),
   * then checked against the header's size and sha256, fsynced and renamed. A mismatch or a
   * stream that breaks off leaves no file. An image already cached answers at once; one that is
   * arriving from another stream is waited for.
   */
  async put(stream: AsyncIterable<ImageChunk>): Promise<StoredImage> {
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    const header = first.done ? undefined : first.value.part;
    if (header?.$case !== 'header') throw new AgentError('invalid_argument', 'the first chunk must be the header');
    const h = validHeader(header.value);
    for (;;) {
      const cached = await this.find(h.imageId);
      if (cached) return sameContent(cached, h);
      const under = this.arriving.get(h.imageId);
      if (!under) break;
      // the other stream's outcome decides: its image (checked against this header) or, if it failed, this one tries
      const done = await under.catch(() => undefined);
      if (done) return sameContent(done, h);
    }
    const receiving = this.receive(h, { [Symbol.asyncIterator]: () => iterator });
    this.arriving.set(h.imageId, receiving);
    try {
      return await receiving;
    } finally {
      this.arriving.delete(h.imageId);
    }
  }

  private async receive(h: ImageHeader, rest: AsyncIterable<ImageChunk>): Promise<StoredImage> {
    await mkdir(this.dir, { recursive: true });
    const raw = join(this.dir, `${h.imageId}.raw`);
    const part = `${raw}.part`;
    const file = await open(part, 'w', 0o640);
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of rest) {
        if (chunk.part?.$case !== 'data')
          throw new AgentError('invalid_argument', 'only data chunks follow the header');
        const data = chunk.part.value;
        if (size + data.length > h.sizeBytes)
          throw new AgentError(
            'invalid_argument',
            `image ${h.imageId} is longer than its header's ${h.sizeBytes} bytes`,
          );
        hash.update(data);
        await writeAt(file, data, size);
        size += data.length;
      }
      if (size !== h.sizeBytes)
        throw new AgentError('invalid_argument', `image ${h.imageId} ended at ${size} of ${h.sizeBytes} bytes`);
      const sha256 = hash.digest('hex');
      if (sha256 !== h.sha256)
        throw new AgentError('invalid_argument', `image ${h.imageId} has sha256 ${sha256}, not ${h.sha256}`);
      // the holes left for zero chunks up to the end: the file has the image's full length
      await file.truncate(size);
      await file.sync();
      await file.close();
      await writeSynced(join(this.dir, `${h.imageId}.sha256`), `${sha256}\n`);
      await rename(part, raw);
      await syncDir(this.dir);
      return { imageId: h.imageId, sha256, sizeBytes: size };
    } catch (err) {
      await file.close().catch(() => undefined);
      await rm(part, { force: true });
      throw err;
    }
  }

  private async find(imageId: string): Promise<StoredImage | undefined> {
    const raw = join(this.dir, `${imageId}.raw`);
    const st = await stat(raw).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!st) return undefined;
    const sha256 = (await readFile(join(this.dir, `${imageId}.sha256`), 'utf8')).trim();
    return { imageId, sha256, sizeBytes: st.size };
  }
}

function validId(imageId: string): string {
  if (!UUID.test(imageId)) throw new AgentError('invalid_argument', 'image_id must be a lowercase uuid');
  return imageId;
}

function validHeader(h: ImageHeader): ImageHeader {
  validId(h.imageId);
  if (!SHA256_HEX.test(h.sha256)) throw new AgentError('invalid_argument', 'sha256 must be 64 lowercase hex digits');
  if (h.format !== 'raw') throw new AgentError('invalid_argument', `format ${h.format} is not stored: raw only`);
  if (!Number.isSafeInteger(h.sizeBytes) || h.sizeBytes <= 0)
    throw new AgentError('invalid_argument', 'size_bytes must be a positive integer');
  return h;
}

function sameContent(stored: StoredImage, h: ImageHeader): StoredImage {
  if (stored.sha256 !== h.sha256 || stored.sizeBytes !== h.sizeBytes)
    throw new AgentError('already_exists', `image ${h.imageId} is cached with other content (sha256 ${stored.sha256})`);
  return stored;
}

const ZEROS = Buffer.alloc(1024 * 1024);

/** Writes a chunk at its offset; an all-zero chunk is skipped (a hole reads as zeros). */
async function writeAt(file: FileHandle, data: Buffer, position: number): Promise<void> {
  if (data.length <= ZEROS.length && data.equals(ZEROS.subarray(0, data.length))) return;
  for (let at = 0; at < data.length;) at += (await file.write(data, at, data.length - at, position + at)).bytesWritten;
}

async function writeSynced(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o640 });
  const f = await open(path, 'r+');
  try {
    await f.sync();
  } finally {
    await f.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
