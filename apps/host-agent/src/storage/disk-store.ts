import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiskSpec, StoredItem } from '@xenplane/proto';
import { AgentError } from '../errors';
import type { DiskFile } from './block-devices';
import { cowSizeBytes } from './dm-devices';
import {
  type DiskFileKind,
  isUuid,
  parseDiskFileName,
  parseSnapshotFileName,
  requireUuid,
  requireVdev,
  type StorageLayout,
} from './layout';
import { allocatedBytes, sparseCopy } from './sparse-copy';

const GiB = 1024 ** 3;

/**
 * A host's disk files (layout.ts): made once per VM and device, copied sparsely for snapshots,
 * reverts and clones, purged with the VM. Files only: what they become for the hypervisor is
 * the driver's BlockDevices.
 */
export class DiskStore {
  constructor(readonly layout: StorageLayout) {
    for (const d of [layout.imagesDir, layout.disksDir, layout.snapshotsDir, layout.configsDir])
      mkdirSync(d, { recursive: true });
  }

  /**
   * The disk file of a spec's disk (no target), made if missing: the CoW layer over a cached
   * image (image_id), else a blank sparse file of size_gb. An existing file is kept as it is.
   */
  async ensureDisk(vmId: string, d: Pick<DiskSpec, 'vdev' | 'sizeGb' | 'imageId'>): Promise<DiskFile> {
    const imageFile = d.imageId ? this.layout.image(d.imageId) : undefined;
    const image = imageFile ? { imageId: d.imageId, imageFile } : {};
    const existing = this.diskOf(vmId, d.vdev);
    if (existing) return { ...existing, ...image };
    if (imageFile && !existsSync(imageFile))
      throw new AgentError('failed_precondition', `image ${d.imageId} is not cached on this host`);
    const kind: DiskFileKind = imageFile ? 'cow' : 'img';
    const file = this.layout.disk(vmId, d.vdev, kind);
    // made beside its place and renamed: a crash never leaves a disk of the wrong size. Off the
    // event loop: a file's creation can wait on the filesystem's journal (behind another
    // process's fsync), and one agent process may serve many simulated hosts
    await createSparse(`${file}.part`, imageFile ? cowSizeBytes((await stat(imageFile)).size) : d.sizeGb * GiB);
    await rename(`${file}.part`, file);
    return { vmId, vdev: d.vdev, kind, file, ...image };
  }

  /** The VM's disk files, by device. */
  disksOf(vmId: string): DiskFile[] {
    requireUuid('vm_id', vmId);
    return readdirSync(this.layout.disksDir)
      .map((name) => ({ name, parsed: parseDiskFileName(name) }))
      .filter(({ parsed }) => parsed?.vmId === vmId)
      .map(({ name, parsed }) => ({ ...parsed!, file: join(this.layout.disksDir, name) }))
      .sort((a, b) => a.vdev.localeCompare(b.vdev));
  }

  /** Copies every disk of the VM under the snapshot's id; an existing snapshot is kept (idempotent). */
  async snapshot(vmId: string, snapshotId: string, signal?: AbortSignal): Promise<number> {
    const dir = this.layout.snapshot(vmId, snapshotId);
    if (existsSync(dir)) return dirAllocated(dir);
    const disks = this.requireDisks(vmId);
    const part = `${dir}.part`;
    await rm(part, { recursive: true, force: true });
    await mkdir(part, { recursive: true });
    try {
      for (const d of disks) await sparseCopy(d.file, join(part, `${d.vdev}.${d.kind}`), signal);
      await rename(part, dir);
    } catch (err) {
      await rm(part, { recursive: true, force: true });
      throw err;
    }
    return dirAllocated(dir);
  }

  /** Puts the snapshot's copies back as the VM's disks (each one replaced whole, by rename). */
  async revert(vmId: string, snapshotId: string, signal?: AbortSignal): Promise<number> {
    const dir = this.requireSnapshot(vmId, snapshotId);
    for (const { name, vdev, kind } of snapshotFiles(dir)) {
      const target = this.layout.disk(vmId, vdev, kind);
      await sparseCopy(join(dir, name), target, signal);
      // a disk of the other kind under the same device would shadow the one put back
      const other = this.layout.disk(vmId, vdev, kind === 'cow' ? 'img' : 'cow');
      rmSync(other, { force: true });
    }
    return dirAllocated(dir);
  }

  deleteSnapshot(vmId: string, snapshotId: string): boolean {
    const dir = this.layout.snapshot(vmId, snapshotId);
    const existed = existsSync(dir);
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}.part`, { recursive: true, force: true });
    return existed;
  }

  /** Gives the target its own copies of the source's disks; a device the target has is kept. */
  async clone(sourceVmId: string, targetVmId: string, signal?: AbortSignal): Promise<string[]> {
    requireUuid('target_vm_id', targetVmId);
    if (sourceVmId === targetVmId) throw new AgentError('invalid_argument', 'a VM cannot be cloned onto itself');
    const disks = this.requireDisks(sourceVmId);
    for (const d of disks) {
      if (this.diskOf(targetVmId, d.vdev)) continue;
      await sparseCopy(d.file, this.layout.disk(targetVmId, d.vdev, d.kind), signal);
    }
    return disks.map((d) => d.vdev);
  }

  /** Everything of the VM: disks, snapshots, its xl config and config drive. */
  purge(vmId: string): void {
    requireUuid('vm_id', vmId);
    // a whole uuid followed by `-` or `.`: never another VM's files
    for (const dir of [this.layout.disksDir, this.layout.configsDir]) {
      for (const f of readdirSync(dir))
        if (f.startsWith(`${vmId}-`) || f.startsWith(`${vmId}.`)) rmSync(join(dir, f), { force: true });
    }
    rmSync(this.layout.vmSnapshots(vmId), { recursive: true, force: true });
  }

  /** The files kept here (one VM's, or all with the cached images); sizes are what they take. */
  list(vmId?: string): StoredItem[] {
    if (vmId) requireUuid('vm_id', vmId);
    const items: StoredItem[] = [];
    const add = (over: Partial<StoredItem> & { path: string }) =>
      items.push({
        kind: '',
        vmId: '',
        imageId: '',
        snapshotId: '',
        device: '',
        sizeBytes: allocated(over.path),
        ...over,
      });
    if (!vmId) {
      for (const f of readdirSync(this.layout.imagesDir)) {
        const id = f.replace(/\.raw$/, '');
        if (f.endsWith('.raw') && isUuid(id)) add({ kind: 'image', imageId: id, path: join(this.layout.imagesDir, f) });
      }
    }
    for (const f of readdirSync(this.layout.disksDir)) {
      const d = parseDiskFileName(f);
      if (d && (!vmId || d.vmId === vmId))
        add({ kind: 'disk', vmId: d.vmId, device: d.vdev, path: join(this.layout.disksDir, f) });
    }
    for (const vm of vmId ? [vmId] : readdirSync(this.layout.snapshotsDir).filter(isUuid)) {
      const vmDir = this.layout.vmSnapshots(vm);
      if (!existsSync(vmDir)) continue;
      for (const snap of readdirSync(vmDir).filter(isUuid)) {
        const dir = join(vmDir, snap);
        for (const s of snapshotFiles(dir))
          add({ kind: 'snapshot', vmId: vm, snapshotId: snap, device: s.vdev, path: join(dir, s.name) });
      }
    }
    for (const f of readdirSync(this.layout.configsDir)) {
      const m = /^([0-9a-f-]{36})-cidata\.iso$/.exec(f);
      if (m && isUuid(m[1]!) && (!vmId || m[1] === vmId))
        add({ kind: 'config-drive', vmId: m[1]!, path: join(this.layout.configsDir, f) });
    }
    return items;
  }

  /** The VM's disk file of a device, whichever kind it is. */
  diskOf(vmId: string, vdev: string): DiskFile | undefined {
    requireVdev(vdev);
    for (const kind of ['cow', 'img'] as const) {
      const file = this.layout.disk(vmId, vdev, kind);
      if (existsSync(file)) return { vmId, vdev, kind, file };
    }
    return undefined;
  }

  private requireDisks(vmId: string): DiskFile[] {
    const disks = this.disksOf(vmId);
    if (!disks.length) throw new AgentError('failed_precondition', `vm ${vmId} has no disks on this host`);
    return disks;
  }

  private requireSnapshot(vmId: string, snapshotId: string): string {
    const dir = this.layout.snapshot(vmId, snapshotId);
    if (!existsSync(dir)) throw new AgentError('not_found', `no snapshot ${snapshotId} of vm ${vmId} on this host`);
    return dir;
  }
}

async function createSparse(file: string, sizeBytes: number): Promise<void> {
  const handle = await open(file, 'w', 0o600);
  try {
    await handle.truncate(sizeBytes);
  } finally {
    await handle.close();
  }
}

function snapshotFiles(dir: string): { name: string; vdev: string; kind: DiskFileKind }[] {
  return readdirSync(dir).flatMap((name) => {
    const p = parseSnapshotFileName(name);
    return p ? [{ name, ...p }] : [];
  });
}

function dirAllocated(dir: string): number {
  return snapshotFiles(dir).reduce((s, f) => s + allocatedBytes(join(dir, f.name)), 0);
}

function allocated(path: string): number {
  try {
    return allocatedBytes(path);
  } catch {
    return 0; // gone meanwhile
  }
}
