import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** Why an upload was not kept; the part file is gone whichever it is. */
export class UploadRefused extends Error {
  constructor(
    readonly reason: 'too_large' | 'checksum_mismatch' | 'busy' | 'aborted',
    message: string,
  ) {
    super(message);
  }
}

export interface StoredContent {
  sizeBytes: number;
  /** lowercase hex */
  sha256: string;
}

// a part file untouched this long belongs to an upload whose API died: a new upload may take over
const STALE_PART_MS = 60_000;

/**
 * The control plane's image store: one file per image id in one directory (IMAGE_STORE_DIR),
 * shared by every API replica (which writes) and scheduler (which pushes files to hosts).
 * Content arrives as a stream and goes to `<id>.part` chunk by chunk, hashed and counted as it
 * passes, so that memory holds one chunk at a time whatever the image's size; only a complete,
 * verified file is fsynced and renamed to `<id>`, so a reader never sees a partial image.
 */
export class ImageStore {
  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  path(imageId: string): string {
    return join(this.dir, imageId);
  }

  partPath(imageId: string): string {
    return join(this.dir, `${imageId}.part`);
  }

  /**
   * Writes `source` as the image's content. Refused (UploadRefused, nothing kept): over
   * maxBytes, a sha256 other than `expectedSha256`, another upload of the image under way, the
   * source ending early. The source is only read, never destroyed: a refused request can
   * still be answered.
   */
  async receive(imageId: string, source: Readable, expectedSha256: string | null): Promise<StoredContent> {
    await mkdir(this.dir, { recursive: true });
    const part = this.partPath(imageId);
    const file = await this.openPart(part);
    const hash = createHash('sha256');
    let size = 0;
    try {
      await consume(source, async (chunk) => {
        size += chunk.length;
        if (size > this.maxBytes)
          throw new UploadRefused(
            'too_large',
            `the image is over the limit of ${this.maxBytes} bytes (IMAGE_MAX_BYTES)`,
          );
        hash.update(chunk);
        await writeAll(file, chunk);
      });
      const sha256 = hash.digest('hex');
      if (expectedSha256 !== null && sha256 !== expectedSha256)
        throw new UploadRefused(
          'checksum_mismatch',
          `the content's sha256 is ${sha256}, not ${expectedSha256} (X-Checksum-Sha256): nothing was kept`,
        );
      await file.sync();
      // a stalled upload's part file may have been taken over (STALE_PART_MS): never rename another's
      const [mine, there] = await Promise.all([file.stat(), stat(part).catch(() => undefined)]);
      await file.close();
      if (there?.ino !== mine.ino || there.dev !== mine.dev)
        throw new UploadRefused('busy', 'another upload of this image took over while this one stalled');
      await rename(part, this.path(imageId));
      await syncDir(this.dir);
      return { sizeBytes: size, sha256 };
    } catch (err) {
      await file.close().catch(() => undefined);
      if (!(err instanceof UploadRefused && err.reason === 'busy')) await rm(part, { force: true });
      throw err;
    }
  }

  /** Removes the image's content (and any part file); nothing there is fine. */
  async remove(imageId: string): Promise<void> {
    await rm(this.path(imageId), { force: true });
    await rm(this.partPath(imageId), { force: true });
  }

  /** One upload per image at a time, across replicas: the part file is created exclusively. */
  private async openPart(part: string): Promise<FileHandle> {
    const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL;
    try {
      return await open(part, flags, 0o640);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (await stat(part).catch(() => ({ mtimeMs: 0 }))).mtimeMs;
      if (age < STALE_PART_MS) throw new UploadRefused('busy', 'another upload of this image is under way');
      await rm(part, { force: true });
      return open(part, flags, 0o640);
    }
  }
}

/**
 * Reads a stream chunk by chunk, the next only once `onChunk` finished the last (backpressure:
 * a slow disk slows the client, nothing piles up in memory). Unlike pipeline() or for-await, a
 * failure leaves the source open (paused), so the caller can still answer the request.
 */
export function consume(source: Readable, onChunk: (chunk: Buffer) => Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
      source.off('close', onClose);
      if (err) {
        source.pause();
        reject(err);
      } else resolve();
    };
    const onData = (chunk: Buffer | string) => {
      source.pause();
      onChunk(typeof chunk === 'string' ? Buffer.from(chunk) : chunk).then(
        () => {
          if (!settled) source.resume();
        },
        (err: unknown) => finish(err),
      );
    };
    const onEnd = () => finish();
    const onError = (err: Error) => finish(new UploadRefused('aborted', `the upload broke off: ${err.message}`));
    const onClose = () => {
      if (!source.readableEnded) finish(new UploadRefused('aborted', 'the upload broke off before its end'));
    };
    // it broke off before we started listening (while the part file was being opened)
    if (source.destroyed && !source.readableEnded)
      return finish(new UploadRefused('aborted', 'the upload broke off before its end'));
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', onError);
    source.once('close', onClose);
    source.resume();
  });
}

async function writeAll(file: FileHandle, chunk: Buffer): Promise<void> {
  for (let at = 0; at < chunk.length;) at += (await file.write(chunk, at, chunk.length - at)).bytesWritten;
}

/** The rename itself survives a crash once the directory is synced. */
async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
