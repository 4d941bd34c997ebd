import type { StoredItem } from '@xenplane/proto';
import type { CallContext } from '../drivers/driver';
import type { DiskFileKind } from './layout';
import type { ExtentMode, SharedExtent } from './shared-extent';

/** One of a VM's disk files, as the storage directory holds it. */
export interface DiskFile {
  vmId: string;
  vdev: string;
  kind: DiskFileKind;
  file: string;
  /** a CoW layer's image (images/<imageId>.raw): known when the disk is prepared from a spec */
  imageId?: string;
  imageFile?: string;
}

/** What the hypervisor is given for a disk. */
export interface DiskTarget {
  target: string;
  /** a block device the agent assembled (xl: backendtype=phy), not a file */
  blockDevice: boolean;
}

/**
 * What a disk file becomes for the hypervisor. The sim uses the file itself; the xl driver
 * assembles a root disk of an image as a device-mapper snapshot in dom0 (dm-devices.ts).
 */
export interface BlockDevices {
  /** the disk's target, assembling what it needs (idempotent: what exists is reused) */
  attach(disk: DiskFile, ctx: CallContext): Promise<DiskTarget>;
  /** a disk's extent on a shared storage pool's device, made the disk's own (shared-extent.ts) and mapped */
  attachShared(extent: SharedExtent, ctx: CallContext, mode?: ExtentMode): Promise<DiskTarget>;
  /** ends what attach assembled for the VM (idempotent); disks files stay */
  detach(vmId: string, ctx: CallContext): Promise<void>;
  /** runs work with the VM's devices holding still (writes flushed, new ones queued) */
  quiesce<T>(vmId: string, ctx: CallContext, work: () => Promise<T>): Promise<T>;
  /** the devices assembled for a VM (or all, with images' shared ones) */
  list(vmId: string | undefined, ctx: CallContext): Promise<StoredItem[]>;
}

/** The sim's devices: a disk is its file, nothing is assembled. */
export class FileDevices implements BlockDevices {
  attach(disk: DiskFile): Promise<DiskTarget> {
    return Promise.resolve({ target: disk.file, blockDevice: false });
  }

  /** the simulated host has no device to map: the guest is told the device itself */
  attachShared(extent: SharedExtent): Promise<DiskTarget> {
    return Promise.resolve({ target: extent.device, blockDevice: true });
  }

  detach(): Promise<void> {
    return Promise.resolve();
  }

  quiesce<T>(_vmId: string, _ctx: CallContext, work: () => Promise<T>): Promise<T> {
    return work();
  }

  list(): Promise<StoredItem[]> {
    return Promise.resolve([]);
  }
}
