import { createReadStream, realpathSync } from 'node:fs';
import { type FileHandle, open, readFile, stat } from 'node:fs/promises';
import { EXTENT_HEADER_MB } from '@xenplane/domain';
import type { CallContext } from '../drivers/driver';
import { AgentError } from '../errors';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** the agent's header at the start of each extent, as the control plane sizes extents */
export const EXTENT_HEADER_BYTES = EXTENT_HEADER_MB * MiB;
const HEADER_RECORD = 512;

/** One disk's extent on a shared storage pool's device (the DiskSpec's shared fields). */
export interface SharedExtent {
  vmId: string;
  vdev: string;
  device: string;
  offsetBytes: number;
  sizeGb: number;
  /** the cached image to copy in when the extent is new to this disk */
  imageFile?: string;
}

/**
 * claim: make the extent this disk's, wiping it when it is not yet (a build); existing: it must be
 * this disk's already, nothing is written (a domain migrating in brings the guest's memory, and
 * its disk must be the one the guest has been writing)
 */
export type ExtentMode = 'claim' | 'existing';

/** Zeroes a byte range of the device: `blkdiscard --zeroout` on a block device (the dom0 tool, an argument array). */
export type ZeroRange = (device: string, offset: number, length: number, ctx: CallContext) => Promise<void>;

/** Where the disk's own bytes start and how many there are. */
export function extentData(e: Pick<SharedExtent, 'offsetBytes' | 'sizeGb'>): { offset: number; length: number } {
  return { offset: e.offsetBytes + EXTENT_HEADER_BYTES, length: e.sizeGb * GiB };
}

/** The record naming the extent's owner: the VM and its device, nothing a tenant typed. */
export function ownerRecord(vmId: string, vdev: string): Buffer {
  const record = Buffer.alloc(HEADER_RECORD);
  record.write(`XENPLANE-EXTENT v1 vm=${vmId} dev=${vdev}\n`, 'ascii');
  return record;
}

/**
 * Makes the extent this disk's: when its header already names the VM and device (built before,
 * here or on another host), nothing; else (a new disk, or an extent a deleted VM had) its bytes
 * are zeroed, the image copied in, and only then the header written, each flushed: a crash
 * before the header leaves an extent that is wiped again, never one a guest sees with another
 * VM's data. The control plane never hands one extent to two live disks (libs/db
 * allocateSharedExtents); the fence (docs/HA.md) keeps one host writing a VM's disks.
 */
export async function claimExtent(
  e: SharedExtent,
  zero: ZeroRange,
  ctx: CallContext,
  mode: ExtentMode = 'claim',
): Promise<'kept' | 'initialized'> {
  const owner = ownerRecord(e.vmId, e.vdev);
  const file = await open(e.device, 'r+').catch((err: NodeJS.ErrnoException) => {
    throw new AgentError('failed_precondition', `shared device ${e.device} cannot be opened here: ${err.code}`);
  });
  try {
    const { offset, length } = extentData(e);
    const size = await deviceBytes(e.device, file);
    if (offset + length > size)
      throw new AgentError(
        'failed_precondition',
        `the extent at ${e.offsetBytes} (${e.sizeGb} GiB) runs past the end of ${e.device} (${size} bytes)`,
      );
    const head = Buffer.alloc(HEADER_RECORD);
    await file.read(head, 0, HEADER_RECORD, e.offsetBytes);
    if (head.equals(owner)) return 'kept';
    if (mode === 'existing')
      throw new AgentError(
        'failed_precondition',
        `the extent at ${e.offsetBytes} on ${e.device} is not disk ${e.vdev} of vm ${e.vmId}: it was never built, or its header was overwritten`,
      );
    await zero(e.device, offset, length, ctx);
    if (e.imageFile) await copyInto(e.imageFile, file, offset, length, ctx);
    await file.datasync();
    await file.write(owner, 0, HEADER_RECORD, e.offsetBytes);
    await file.datasync();
    return 'initialized';
  } finally {
    await file.close();
  }
}

async function copyInto(
  imageFile: string,
  file: FileHandle,
  at: number,
  room: number,
  ctx: CallContext,
): Promise<void> {
  const { size } = await stat(imageFile);
  if (size > room)
    throw new AgentError('failed_precondition', `the image (${size} bytes) is larger than the disk (${room} bytes)`);
  let pos = at;
  for await (const chunk of createReadStream(imageFile, { highWaterMark: 4 * MiB, signal: ctx.signal })) {
    const buf = chunk as Buffer;
    await file.write(buf, 0, buf.length, pos);
    pos += buf.length;
  }
}

/** A block device's size is not its stat size (0): the kernel's count of its sectors. */
async function deviceBytes(path: string, file: FileHandle): Promise<number> {
  const s = await file.stat();
  if (s.isFile()) return s.size;
  // /sys/class/block/<name>/size is in 512-byte sectors whatever the device's block size
  const name = realpathSync(path).split('/').pop()!;
  const sectors = Number((await readFile(`/sys/class/block/${name}/size`, 'utf8')).trim());
  if (!Number.isFinite(sectors)) throw new AgentError('internal', `cannot read the size of ${path}`);
  return sectors * 512;
}
