import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredItem } from '@xenplane/proto';
import type { CallContext } from '../drivers/driver';
import type { XlCommand } from '../drivers/xl/command';
import { AgentError } from '../errors';
import { KeyedMutex } from '../host/keyed-mutex';
import type { BlockDevices, DiskFile, DiskTarget } from './block-devices';
import { parseDiskFileName, requireUuid, type StorageLayout } from './layout';
import { claimExtent, extentData, type ExtentMode, type SharedExtent } from './shared-extent';

/** The dom0 tools the xl driver assembles devices with (argument arrays, like xl itself). */
export interface DeviceCommands {
  losetup: XlCommand;
  dmsetup: XlCommand;
  /** zeroes a shared extent's bytes (`--zeroout`: the LUN does it, no data through dom0) */
  blkdiscard: XlCommand;
}

export interface LoopDevice {
  name: string;
  majMin: string;
  backFile: string;
}

export interface DmDevice {
  name: string;
  sectors: number;
  target: string;
  /** a snapshot's origin and CoW devices (major:minor, as `dmsetup table` shows them) */
  origin?: string;
  cow?: string;
}

const SECTOR = 512;
// dm-snapshot's exception store chunk: 8 sectors (4 KiB), the finest copy-on-write unit
const CHUNK_SECTORS = 8;

/** The device-mapper name of a VM's disk: from its (validated) id and device, nothing a tenant typed. */
export const dmName = (vmId: string, vdev: string) => `xp-${vmId}-${vdev}`;

/** dm-snapshot over a read-only origin (the image) and a persistent CoW store (the VM's .cow file). */
export const snapshotTable = (sectors: number, origin: string, cow: string) =>
  `0 ${sectors} snapshot ${origin} ${cow} P ${CHUNK_SECTORS}`;

/** A shared disk: its extent's bytes on the LUN, past the agent's header. */
export const linearTable = (sectors: number, device: string, offsetSectors: number) =>
  `0 ${sectors} linear ${device} ${offsetSectors}`;

/**
 * The size of a .cow file for an image: dm-snapshot's exception store never needs more than the
 * origin's size (every chunk copied once) plus its metadata (one 16-byte entry per 4 KiB chunk,
 * well under 1%), and a header: image + 1% + 8 MiB, sparse, so only what the guest changes is used.
 */
export function cowSizeBytes(imageBytes: number): number {
  const bytes = imageBytes + Math.ceil(imageBytes / 100) + 8 * 1024 * 1024;
  return Math.ceil(bytes / 4096) * 4096;
}

/** `losetup --list --raw --noheadings --output NAME,MAJ:MIN,BACK-FILE` (raw: spaces as \x20). */
export function parseLoopList(out: string): LoopDevice[] {
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && f[0]!.startsWith('/dev/loop'))
    .map(([name, majMin, ...rest]) => ({
      name: name!,
      majMin: majMin!,
      backFile: rest.join(' ').replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
    }));
}

/** `dmsetup table` for all devices: `name: start length target args...` per line. */
export function parseDmTables(out: string): DmDevice[] {
  const devices: DmDevice[] = [];
  for (const line of out.split('\n')) {
    const m = /^(\S+): (\d+) (\d+) (\S+)\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    const args = m[5]!.split(/\s+/);
    devices.push({
      name: m[1]!,
      sectors: Number(m[3]),
      target: m[4]!,
      ...(m[4] === 'snapshot' ? { origin: args[0], cow: args[1] } : {}),
    });
  }
  return devices;
}

/**
 * The xl driver's disks: a root disk of an image is a device-mapper snapshot in dom0, O(1) to
 * make whatever the image's size, read by blkback as a plain block device (no qemu in dom0):
 *   losetup --find --show --read-only images/<id>.raw   (one loop per image, shared)
 *   losetup --find --show disks/<vm>-<vdev>.cow
 *   dmsetup create xp-<vm>-<vdev> --table "0 <image sectors> snapshot <origin> <cow> P 8"
 * The guest sees the image's size, whatever the flavor's disk: growing the disk is later work.
 * A blank disk stays a file (xl's block hotplug script makes its loop).
 */
export class DmDevices implements BlockDevices {
  // one host-wide lock: an image's loop is shared by VMs, so one VM's teardown must not release
  // it while another VM's device is being assembled on it
  private readonly lock = new KeyedMutex();

  constructor(
    private readonly cmd: DeviceCommands,
    private readonly layout: StorageLayout,
  ) {}

  attach(disk: DiskFile, ctx: CallContext): Promise<DiskTarget> {
    if (disk.kind === 'img') return Promise.resolve({ target: disk.file, blockDevice: false });
    return this.lock.run('devices', () => this.assemble(disk, ctx));
  }

  /**
   * A shared disk as a `linear` device over its extent, the same /dev/mapper name a local root
   * disk has; the extent made this disk's first (wiped when new to it). Per VM, not host-wide:
   * it uses no loop device another VM could be releasing.
   */
  attachShared(extent: SharedExtent, ctx: CallContext, mode: ExtentMode = 'claim'): Promise<DiskTarget> {
    return this.lock.run(`shared:${extent.vmId}`, async () => {
      const name = dmName(extent.vmId, extent.vdev);
      const target = { target: `/dev/mapper/${name}`, blockDevice: true };
      // mapped already: the extent is this disk's (never wiped under a running guest)
      if ((await this.tables(ctx)).some((d) => d.name === name)) return target;
      // --force: blkdiscard (util-linux 2.36+) opens the device O_EXCL unless told not to, and
      // device-mapper holds the LUN once any extent of it is mapped (another disk of this VM,
      // another VM): without it every extent but a host's first fails EBUSY. Only this disk's
      // range is zeroed, which the control plane gave to no other live disk.
      await claimExtent(
        extent,
        (device, offset, length, c) =>
          this.run(
            'blkdiscard',
            ['--force', '--zeroout', '--offset', `${offset}`, '--length', `${length}`, device],
            c,
          ).then(() => undefined),
        ctx,
        mode,
      );
      const { offset, length } = extentData(extent);
      await this.run(
        'dmsetup',
        ['create', name, '--table', linearTable(length / SECTOR, extent.device, offset / SECTOR)],
        ctx,
      );
      return target;
    });
  }

  async detach(vmId: string, ctx: CallContext): Promise<void> {
    // a snapshot device exists only while its .cow file does (made after it, removed before
    // it); a shared disk's linear device has no file here, so the tables tell
    if (!this.cowFiles(vmId).length && !(await this.tables(ctx, true)).some((d) => d.name.startsWith(`xp-${vmId}-`)))
      return;
    return this.lock.run('devices', () => this.teardown(vmId, ctx));
  }

  async quiesce<T>(vmId: string, ctx: CallContext, work: () => Promise<T>): Promise<T> {
    if (!this.cowFiles(vmId).length) return work();
    const names = (await this.tables(ctx)).filter((d) => d.name.startsWith(`xp-${vmId}-`)).map((d) => d.name);
    const suspended: string[] = [];
    try {
      // suspend flushes what is in flight and holds new writes until resume
      for (const n of names) {
        await this.run('dmsetup', ['suspend', n], ctx);
        suspended.push(n);
      }
      return await work();
    } finally {
      // resumed whatever happened, even past the caller's deadline: a suspended disk hangs the guest
      for (const n of suspended) await this.run('dmsetup', ['resume', n], { signal: new AbortController().signal });
    }
  }

  async list(vmId: string | undefined, ctx: CallContext): Promise<StoredItem[]> {
    if (vmId) requireUuid('vm_id', vmId);
    const [tables, loops] = await Promise.all([this.tables(ctx, true), this.loops(ctx, true)]);
    const items: StoredItem[] = [];
    for (const d of tables) {
      const m = /^xp-([0-9a-f-]{36})-([a-z]+)$/.exec(d.name);
      if (!m || (vmId && m[1] !== vmId)) continue;
      items.push(item({ vmId: m[1]!, device: m[2]!, path: `/dev/mapper/${d.name}`, sizeBytes: d.sectors * SECTOR }));
    }
    const disks = realDir(this.layout.disksDir);
    const images = realDir(this.layout.imagesDir);
    for (const l of loops) {
      if (l.backFile.startsWith(`${disks}/`)) {
        const f = parseDiskFileName(l.backFile.slice(disks.length + 1));
        if (f && (!vmId || f.vmId === vmId)) items.push(item({ vmId: f.vmId, device: f.vdev, path: l.name }));
      } else if (!vmId && l.backFile.startsWith(`${images}/`)) {
        items.push(item({ imageId: l.backFile.slice(images.length + 1).replace(/\.raw$/, ''), path: l.name }));
      }
    }
    return items;
  }

  private async assemble(disk: DiskFile, ctx: CallContext): Promise<DiskTarget> {
    const name = dmName(disk.vmId, disk.vdev);
    const target = { target: `/dev/mapper/${name}`, blockDevice: true };
    if ((await this.tables(ctx)).some((d) => d.name === name)) return target;
    if (!disk.imageFile || !existsSync(disk.imageFile))
      throw new AgentError('failed_precondition', `disk ${disk.vdev} of vm ${disk.vmId}: its image is not cached here`);
    const loops = await this.loops(ctx);
    const imageFile = realpathSync(disk.imageFile);
    const cowFile = realpathSync(disk.file);
    const origin =
      loops.find((l) => l.backFile === imageFile)?.name ??
      (await this.run('losetup', ['--find', '--show', '--read-only', imageFile], ctx)).trim();
    const existingCow = loops.find((l) => l.backFile === cowFile)?.name;
    const cow = existingCow ?? (await this.run('losetup', ['--find', '--show', cowFile], ctx)).trim();
    // a loop device is the file's size rounded down to whole sectors
    const sectors = Math.floor(statSync(imageFile).size / SECTOR);
    try {
      await this.run('dmsetup', ['create', name, '--table', snapshotTable(sectors, origin, cow)], ctx);
    } catch (err) {
      const cleanup = { signal: new AbortController().signal };
      if (!existingCow) await this.run('losetup', ['-d', cow], cleanup).catch(() => undefined);
      await this.releaseImageLoops(cleanup).catch(() => undefined);
      throw err;
    }
    return target;
  }

  private async teardown(vmId: string, ctx: CallContext): Promise<void> {
    for (const d of await this.tables(ctx)) {
      // --retry: blkback may hold the device for a moment after the domain is gone
      if (d.name.startsWith(`xp-${vmId}-`)) await this.run('dmsetup', ['remove', '--retry', d.name], ctx);
    }
    const cows = new Set(this.cowFiles(vmId).map((f) => realpathSync(f)));
    for (const l of await this.loops(ctx)) if (cows.has(l.backFile)) await this.run('losetup', ['-d', l.name], ctx);
    await this.releaseImageLoops(ctx);
  }

  /** Detaches every image loop no snapshot device uses any more. */
  private async releaseImageLoops(ctx: CallContext): Promise<void> {
    const used = new Set((await this.tables(ctx)).flatMap((d) => (d.origin ? [d.origin] : [])));
    const images = realDir(this.layout.imagesDir);
    for (const l of await this.loops(ctx)) {
      if (l.backFile.startsWith(`${images}/`) && !used.has(l.majMin) && !used.has(l.name))
        await this.run('losetup', ['-d', l.name], ctx);
    }
  }

  private cowFiles(vmId: string): string[] {
    const dir = this.layout.disksDir;
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => parseDiskFileName(f)?.vmId === vmId && f.endsWith('.cow'))
      .map((f) => join(dir, f));
  }

  /** every device-mapper device; lenient (no tools: none) only when only listing */
  private async tables(ctx: CallContext, lenient = false): Promise<DmDevice[]> {
    const out = await this.run('dmsetup', ['table'], ctx).catch((err: unknown) => {
      if (lenient) return '';
      throw err;
    });
    return parseDmTables(out);
  }

  private async loops(ctx: CallContext, lenient = false): Promise<LoopDevice[]> {
    const out = await this.run(
      'losetup',
      ['--list', '--raw', '--noheadings', '--output', 'NAME,MAJ:MIN,BACK-FILE'],
      ctx,
    ).catch((err: unknown) => {
      if (lenient) return '';
      throw err;
    });
    return parseLoopList(out);
  }

  /** Runs a dom0 tool; a non-zero exit is an AgentError with the tool's own words. */
  private async run(tool: keyof DeviceCommands, args: string[], ctx: Pick<CallContext, 'signal'>): Promise<string> {
    const r = await this.cmd[tool].run(args, { signal: ctx.signal });
    if (r.code !== 0)
      throw new AgentError('internal', `${tool} ${args[0]}: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`);
    return r.stdout;
  }
}

function item(over: Partial<StoredItem>): StoredItem {
  return { kind: 'device', vmId: '', imageId: '', snapshotId: '', device: '', path: '', sizeBytes: 0, ...over };
}

function realDir(dir: string): string {
  return existsSync(dir) ? realpathSync(dir) : dir;
}
