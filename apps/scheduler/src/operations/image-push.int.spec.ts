import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import type { AgentClient } from '@xenplane/agent-client';
import type { ImageChunk } from '@xenplane/proto';
import { ensureImageOnHost, IMAGE_CHUNK_BYTES, pushDeadlineMs } from './image-push';

const ID = '0b7e4c52-7d2a-4f7e-9d55-3f1e2a9c8b01';
const MiB = 1024 * 1024;

/** An agent that holds the images it was given, and records what it was sent. */
function fakeAgent(held: Set<string>, getImageError?: { code: number }) {
  const pushed: { chunks: ImageChunk[]; deadlineMs?: number }[] = [];
  const agent = {
    getImage: async ({ imageId }: { imageId: string }) => {
      if (getImageError) throw Object.assign(new Error('agent says no'), getImageError);
      if (!held.has(imageId)) throw Object.assign(new Error('not cached'), { code: Status.NOT_FOUND });
      return { imageId, sha256: '', sizeBytes: 0 };
    },
    putImage: async (chunks: AsyncIterable<ImageChunk>, opts?: { deadlineMs?: number }) => {
      const got: ImageChunk[] = [];
      for await (const c of chunks) got.push(c);
      pushed.push({ chunks: got, ...(opts?.deadlineMs ? { deadlineMs: opts.deadlineMs } : {}) });
      const header = got[0]!.part!.value as { imageId: string; sha256: string; sizeBytes: number };
      held.add(header.imageId);
      return header;
    },
  } as unknown as AgentClient;
  return { agent, pushed };
}

describe('pushing an image to a host before a VM of it is built there', () => {
  let store: string;
  const content = randomBytes(2 * MiB + 123);
  const image = {
    id: ID,
    sha256: createHash('sha256').update(content).digest('hex'),
    sizeBytes: BigInt(content.length),
    diskFormat: 'raw',
  };
  beforeEach(() => {
    store = mkdtempSync(join(tmpdir(), 'xp-image-push-'));
    writeFileSync(join(store, ID), content);
  });
  afterEach(() => rmSync(store, { recursive: true, force: true }));

  it('streams the image store’s file when the host does not have it: the header, then 1 MiB chunks', async () => {
    const { agent, pushed } = fakeAgent(new Set());
    await ensureImageOnHost(agent, image, store);
    expect(pushed).toHaveLength(1);
    const [header, ...data] = pushed[0]!.chunks;
    expect(header!.part).toEqual({
      $case: 'header',
      value: { imageId: ID, sha256: image.sha256, sizeBytes: content.length, format: 'raw' },
    });
    expect(data.map((c) => (c.part!.value as Buffer).length)).toEqual([IMAGE_CHUNK_BYTES, IMAGE_CHUNK_BYTES, 123]);
    expect(Buffer.concat(data.map((c) => c.part!.value as Buffer)).equals(content)).toBe(true);
    expect(pushed[0]!.deadlineMs).toBe(pushDeadlineMs(content.length));
    // the host keeps it: the next VM there needs no push
    await ensureImageOnHost(agent, image, store);
    expect(pushed).toHaveLength(1);
  });

  it('pushes nothing for an image without content (a seeded kernel-boot image)', async () => {
    const { agent, pushed } = fakeAgent(new Set());
    await ensureImageOnHost(agent, { ...image, sha256: null, sizeBytes: null }, store);
    expect(pushed).toEqual([]);
  });

  it('fails on any other answer than NOT_FOUND, and says so when the store lacks the file', async () => {
    const unreachable = fakeAgent(new Set(), { code: Status.UNAVAILABLE });
    await expect(ensureImageOnHost(unreachable.agent, image, store)).rejects.toMatchObject({
      code: Status.UNAVAILABLE,
    });
    expect(unreachable.pushed).toEqual([]);
    rmSync(join(store, ID));
    const { agent, pushed } = fakeAgent(new Set());
    await expect(ensureImageOnHost(agent, image, store)).rejects.toThrow(/share IMAGE_STORE_DIR/);
    expect(pushed).toEqual([]);
  });

  it('gives a large image the time its copy takes', () => {
    expect(pushDeadlineMs(8 * 1024 * MiB)).toBeGreaterThan(pushDeadlineMs(MiB) + 300_000);
  });
});
