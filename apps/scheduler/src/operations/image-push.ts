import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import type { AgentClient, CallOpts } from '@xenplane/agent-client';
import type { Image } from '@xenplane/db';
import type { ImageChunk, ImageHeader } from '@xenplane/proto';
import { rootDiskImageId } from './domain-spec';

/** What a PutImage carries per message: 1 MiB, well under the agent's 16 MiB message limit. */
export const IMAGE_CHUNK_BYTES = 1024 * 1024;

// a push's deadline: a minute, plus the copy at a pessimistic 20 MiB/s over the agent's channel
const PUSH_BASE_MS = 60_000;
const PUSH_BYTES_PER_MS = (20 * 1024 * 1024) / 1000;

type ImageContent = Pick<Image, 'id' | 'sha256' | 'sizeBytes' | 'diskFormat'>;

/** How long a push of this many bytes may take before it counts as failed. */
export function pushDeadlineMs(sizeBytes: number): number {
  return PUSH_BASE_MS + Math.ceil(sizeBytes / PUSH_BYTES_PER_MS);
}

/** A PutImage stream: the header, then the file in IMAGE_CHUNK_BYTES pieces, read as the channel takes them. */
export async function* imageChunks(file: string, header: ImageHeader): AsyncGenerator<ImageChunk> {
  yield { part: { $case: 'header', value: header } };
  for await (const data of createReadStream(file, { highWaterMark: IMAGE_CHUNK_BYTES }))
    yield { part: { $case: 'data', value: data as Buffer } };
}

/**
 * Makes sure the host holds the image a VM's root disk clones before its CreateDomain (create,
 * start, HA restart, clone): GetImage, and on NOT_FOUND a PutImage streamed from the image
 * store (IMAGE_STORE_DIR, the directory the API's uploads went to). Nothing to do for an image
 * without content. The agent keeps what it got: the next VM of the image there finds it.
 */
export async function ensureImageOnHost(
  agent: AgentClient,
  image: ImageContent,
  storeDir: string,
  opts: CallOpts = {},
): Promise<void> {
  if (!rootDiskImageId(image)) return;
  try {
    await agent.getImage({ imageId: image.id }, opts);
    return;
  } catch (err) {
    if ((err as { code?: number }).code !== Status.NOT_FOUND) throw err;
  }
  const file = join(storeDir, image.id);
  await access(file).catch(() => {
    throw new Error(
      `image ${image.id}'s content is not in the image store (${file}): the API and the schedulers must share IMAGE_STORE_DIR`,
    );
  });
  const sizeBytes = Number(image.sizeBytes);
  const header: ImageHeader = { imageId: image.id, sha256: image.sha256!, sizeBytes, format: 'raw' };
  await agent.putImage(imageChunks(file, header), { ...opts, deadlineMs: pushDeadlineMs(sizeBytes) });
}
