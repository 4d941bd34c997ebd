import { join } from 'node:path';
import { AgentError } from '../errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// what DomainSpec validation lets through as a vdev (xvdX, hdX): plain letters only
const VDEV = /^(xvd[a-z]{1,2}|hd[a-d])$/;

/** The two kinds of disk file: the copy-on-write layer over an image, or a blank disk. */
export type DiskFileKind = 'cow' | 'img';

export interface DiskFileName {
  vmId: string;
  vdev: string;
  kind: DiskFileKind;
}

/**
 * An id that names a file or directory: a whole lowercase uuid, checked before it reaches any
 * path (so no `..`, no slash, and never a prefix of another VM's files).
 */
export function requireUuid(field: string, value: string): string {
  if (!UUID.test(value)) throw new AgentError('invalid_argument', `${field}: must be a lowercase UUID`);
  return value;
}

export function requireVdev(value: string): string {
  if (!VDEV.test(value)) throw new AgentError('invalid_argument', `device ${value}: must be xvdX or hdX`);
  return value;
}

/**
 * Where everything lives under the agent's storage directory (the same for both drivers):
 *   images/<imageId>.raw                         a cached image (ImageCache)
 *   disks/<vmId>-<vdev>.cow | .img               a VM's disk: CoW layer over an image, or blank
 *   snapshots/<vmId>/<snapshotId>/<vdev>.cow|img a snapshot's copies
 *   configs/<vmId>.cfg, configs/<vmId>-cidata.iso the xl config and the config drive
 * Every id is validated here, so no caller can build a path from an unchecked one.
 */
export class StorageLayout {
  constructor(readonly workDir: string) {}

  get imagesDir(): string {
    return join(this.workDir, 'images');
  }

  get disksDir(): string {
    return join(this.workDir, 'disks');
  }

  get snapshotsDir(): string {
    return join(this.workDir, 'snapshots');
  }

  get configsDir(): string {
    return join(this.workDir, 'configs');
  }

  /** the ImageCache's own convention: images/<imageId>.raw */
  image(imageId: string): string {
    return join(this.imagesDir, `${requireUuid('image_id', imageId)}.raw`);
  }

  disk(vmId: string, vdev: string, kind: DiskFileKind): string {
    return join(this.disksDir, `${requireUuid('vm_id', vmId)}-${requireVdev(vdev)}.${kind}`);
  }

  vmSnapshots(vmId: string): string {
    return join(this.snapshotsDir, requireUuid('vm_id', vmId));
  }

  snapshot(vmId: string, snapshotId: string): string {
    return join(this.vmSnapshots(vmId), requireUuid('snapshot_id', snapshotId));
  }

  xlConfig(vmId: string): string {
    return join(this.configsDir, `${requireUuid('vm_id', vmId)}.cfg`);
  }

  configDrive(vmId: string): string {
    return join(this.configsDir, `${requireUuid('vm_id', vmId)}-cidata.iso`);
  }
}

/** A disk file's name read back (disks/<vmId>-<vdev>.<kind>); undefined for anything else. */
export function parseDiskFileName(name: string): DiskFileName | undefined {
  const m = /^([0-9a-f-]{36})-([a-z]{3,5})\.(cow|img)$/.exec(name);
  if (!m || !UUID.test(m[1]!) || !VDEV.test(m[2]!)) return undefined;
  return { vmId: m[1]!, vdev: m[2]!, kind: m[3] as DiskFileKind };
}

/** A snapshot copy's name read back (<vdev>.<kind>). */
export function parseSnapshotFileName(name: string): { vdev: string; kind: DiskFileKind } | undefined {
  const m = /^([a-z]{3,5})\.(cow|img)$/.exec(name);
  if (!m || !VDEV.test(m[1]!)) return undefined;
  return { vdev: m[1]!, kind: m[2] as DiskFileKind };
}

export const isUuid = (s: string): boolean => UUID.test(s);
