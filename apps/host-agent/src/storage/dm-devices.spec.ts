import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallContext } from '../drivers/driver';
import { AgentError } from '../errors';
import {
  cowSizeBytes,
  DmDevices,
  dmName,
  linearTable,
  parseDmTables,
  parseLoopList,
  snapshotTable,
} from './dm-devices';
import { FakeDom0 } from './fake-dom0';
import { StorageLayout } from './layout';
import { EXTENT_HEADER_BYTES, ownerRecord, type SharedExtent } from './shared-extent';

const VM = '6f1c2a3e-0b4d-4e5f-8a9b-0c1d2e3f4a5b';
const OTHER = '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';
const IMAGE = '11111111-2222-4333-8444-555555555555';
const MiB = 1024 * 1024;
const ctx: CallContext = { signal: new AbortController().signal };
let dir: string;
let layout: StorageLayout;
let dom0: FakeDom0;
let devices: DmDevices;

function sparse(file: string, size: number): string {
  const fd = openSync(file, 'w');
  ftruncateSync(fd, size);
  closeSync(fd);
  return file;
}

const cowDisk = (vmId: string, vdev = 'xvda') => ({
  vmId,
  vdev,
  kind: 'cow' as const,
  file: sparse(layout.disk(vmId, vdev, 'cow'), cowSizeBytes(64 * MiB)),
  imageId: IMAGE,
  imageFile: layout.image(IMAGE),
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xp-dm-'));
  layout = new StorageLayout(dir);
  for (const d of [layout.imagesDir, layout.disksDir]) mkdirSync(d, { recursive: true });
  sparse(layout.image(IMAGE), 64 * MiB);
  dom0 = new FakeDom0();
  devices = new DmDevices(dom0, layout);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('device-mapper root disks (xl)', () => {
  it('assembles a root disk of an image as a dm snapshot over a read-only image loop and a CoW loop', async () => {
    const disk = cowDisk(VM);
    const target = await devices.attach(disk, ctx);
    expect(target).toEqual({ target: `/dev/mapper/xp-${VM}-xvda`, blockDevice: true });
    expect(dom0.runs).toEqual([
      'dmsetup table',
      'losetup --list --raw --noheadings --output NAME,MAJ:MIN,BACK-FILE',
      `losetup --find --show --read-only ${layout.image(IMAGE)}`,
      `losetup --find --show ${disk.file}`,
      // 64 MiB = 131072 sectors: the guest sees the image's size
      `dmsetup create xp-${VM}-xvda --table 0 131072 snapshot /dev/loop0 /dev/loop1 P 8`,
    ]);
  });

  it('reuses an assembled device, and shares one image loop between VMs', async () => {
    await devices.attach(cowDisk(VM), ctx);
    dom0.runs.length = 0;
    await devices.attach(cowDisk(VM), ctx);
    expect(dom0.runs).toEqual(['dmsetup table']);
    await devices.attach(cowDisk(OTHER), ctx);
    expect(dom0.runs.filter((r) => r.includes('--read-only'))).toEqual([]);
    expect(dom0.tables.get(dmName(OTHER, 'xvda'))).toBe(snapshotTable(131072, '/dev/loop0', '/dev/loop2'));
  });

  it('leaves a blank disk a file: nothing assembled', async () => {
    const file = sparse(layout.disk(VM, 'xvdb', 'img'), MiB);
    expect(await devices.attach({ vmId: VM, vdev: 'xvdb', kind: 'img', file }, ctx)).toEqual({
      target: file,
      blockDevice: false,
    });
    expect(dom0.runs).toEqual([]);
  });

  it("takes a VM's devices down, and the image loop with the last device over it", async () => {
    await devices.attach(cowDisk(VM), ctx);
    await devices.attach(cowDisk(OTHER), ctx);
    await devices.detach(VM, ctx);
    expect(dom0.runs).toContain(`dmsetup remove --retry xp-${VM}-xvda`);
    expect([...dom0.tables.keys()]).toEqual([dmName(OTHER, 'xvda')]);
    expect([...dom0.loops.keys()].sort()).toEqual(['/dev/loop0', '/dev/loop2']);
    await devices.detach(OTHER, ctx);
    expect(dom0.tables.size).toBe(0);
    expect(dom0.loops.size).toBe(0);
    // idempotent
    await devices.detach(OTHER, ctx);
  });

  it('changes nothing for a VM without a device: detach only looks at the tables (a shared disk has no file)', async () => {
    await devices.detach(VM, ctx);
    await devices.quiesce(VM, ctx, async () => undefined);
    expect(dom0.runs).toEqual(['dmsetup table']);
  });

  it('a failed create leaves no loop behind and says what dmsetup said', async () => {
    dom0.failCreate = true;
    const err = await devices.attach(cowDisk(VM), ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).message).toContain('Invalid argument');
    expect(dom0.loops.size).toBe(0);
    expect(dom0.tables.size).toBe(0);
  });

  it('refuses a CoW disk whose image is not cached here', async () => {
    const disk = { ...cowDisk(VM), imageFile: layout.image(OTHER) };
    await expect(devices.attach(disk, ctx)).rejects.toMatchObject({ code: 'failed_precondition' });
    expect(dom0.loops.size).toBe(0);
  });

  it('holds the devices suspended while copying, and resumes them even when the copy fails', async () => {
    await devices.attach(cowDisk(VM), ctx);
    let seen: string[] = [];
    await devices.quiesce(VM, ctx, async () => {
      seen = [...dom0.suspended];
    });
    expect(seen).toEqual([dmName(VM, 'xvda')]);
    expect(dom0.suspended.size).toBe(0);
    await expect(devices.quiesce(VM, ctx, () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect(dom0.suspended.size).toBe(0);
    expect(dom0.runs.filter((r) => r.startsWith('dmsetup resume'))).toHaveLength(2);
  });

  it('lists the devices it assembled: per VM, or all with the image loops', async () => {
    await devices.attach(cowDisk(VM), ctx);
    await devices.attach(cowDisk(OTHER), ctx);
    const mine = await devices.list(VM, ctx);
    expect(mine.map((i) => `${i.kind} ${i.vmId} ${i.device} ${i.path}`).sort()).toEqual([
      `device ${VM} xvda /dev/loop1`,
      `device ${VM} xvda /dev/mapper/xp-${VM}-xvda`,
    ]);
    expect(mine.find((i) => i.path.startsWith('/dev/mapper'))?.sizeBytes).toBe(64 * MiB);
    const all = await devices.list(undefined, ctx);
    expect(all.filter((i) => i.imageId === IMAGE).map((i) => i.path)).toEqual(['/dev/loop0']);
    expect(all).toHaveLength(5);
  });
});

describe('device-mapper helpers', () => {
  it('sizes a CoW store at the image plus 1% plus 8 MiB, in whole 4 KiB blocks', () => {
    expect(cowSizeBytes(2 * 1024 * MiB)).toBe(
      2 * 1024 * MiB + Math.ceil((2 * 1024 * MiB) / 100 / 4096) * 4096 + 8 * MiB,
    );
    expect(cowSizeBytes(0)).toBe(8 * MiB);
    expect(cowSizeBytes(1000) % 4096).toBe(0);
  });

  it("reads losetup's and dmsetup's listings", () => {
    expect(parseLoopList('/dev/loop3 7:3 /var/lib/x\\x20y/images/a.raw\n\n')).toEqual([
      { name: '/dev/loop3', majMin: '7:3', backFile: '/var/lib/x y/images/a.raw' },
    ]);
    expect(parseDmTables('No devices found\n')).toEqual([]);
    expect(parseDmTables(`xp-${VM}-xvda: 0 4194304 snapshot 7:0 7:1 P 8\nvg-root: 0 100 linear 8:2 2048\n`)).toEqual([
      { name: `xp-${VM}-xvda`, sectors: 4194304, target: 'snapshot', origin: '7:0', cow: '7:1' },
      { name: 'vg-root', sectors: 100, target: 'linear' },
    ]);
  });
});

describe('shared disks (xl): a linear device over the disk’s extent on the LUN', () => {
  const GiB = 1024 * MiB;
  const OFFSET = 5 * MiB;
  let lun: string;
  const extent = (vmId = VM, over: Partial<SharedExtent> = {}): SharedExtent => ({
    vmId,
    vdev: 'xvda',
    device: lun,
    offsetBytes: OFFSET,
    sizeGb: 1,
    ...over,
  });
  const readAt = (at: number, n: number) => {
    const fd = openSync(lun, 'r');
    const b = Buffer.alloc(n);
    readSync(fd, b, 0, n, at);
    closeSync(fd);
    return b;
  };
  const writeAt = (at: number, data: string) => {
    const fd = openSync(lun, 'r+');
    writeSync(fd, Buffer.from(data), 0, data.length, at);
    closeSync(fd);
  };
  const data = OFFSET + EXTENT_HEADER_BYTES;

  beforeEach(() => {
    lun = sparse(join(dir, 'lun.raw'), 2 * GiB);
    // what a deleted VM left there
    writeAt(OFFSET, 'XENPLANE-EXTENT v1 vm=someone-else');
    writeAt(data, 'OLD TENANT SECRET');
  });

  it('wipes an extent new to the disk, writes its header, and maps the bytes past the header', async () => {
    const target = await devices.attachShared(extent(), ctx);
    expect(target).toEqual({ target: `/dev/mapper/xp-${VM}-xvda`, blockDevice: true });
    expect(dom0.runs).toEqual([
      'dmsetup table',
      `blkdiscard --force --zeroout --offset ${data} --length ${GiB} ${lun}`,
      // 1 GiB = 2097152 sectors, from sector (5 + 1) MiB / 512
      `dmsetup create xp-${VM}-xvda --table ${linearTable(2097152, lun, data / 512)}`,
    ]);
    expect(readAt(data, 17).equals(Buffer.alloc(17))).toBe(true);
    expect(readAt(OFFSET, 512).equals(ownerRecord(VM, 'xvda'))).toBe(true);
  });

  it('wipes a new extent while another extent of the LUN is mapped (device-mapper holds the device: no O_EXCL open)', async () => {
    const fd = openSync(lun, 'r+');
    ftruncateSync(fd, 3 * GiB);
    closeSync(fd);
    await devices.attachShared(extent(), ctx);
    // the VM's second disk, right after the first: what a deleted VM left there is wiped too
    const second = OFFSET + EXTENT_HEADER_BYTES + GiB;
    writeAt(second + EXTENT_HEADER_BYTES, 'OLD TENANT SECRET');
    await expect(devices.attachShared(extent(VM, { vdev: 'xvdb', offsetBytes: second }), ctx)).resolves.toEqual({
      target: `/dev/mapper/xp-${VM}-xvdb`,
      blockDevice: true,
    });
    expect([...dom0.tables.keys()]).toEqual([`xp-${VM}-xvda`, `xp-${VM}-xvdb`]);
    expect(readAt(second + EXTENT_HEADER_BYTES, 17).equals(Buffer.alloc(17))).toBe(true);
    expect(readAt(second, 512).equals(ownerRecord(VM, 'xvdb'))).toBe(true);
  });

  it('keeps what the guest wrote when the disk is mapped again (a restart on another host)', async () => {
    await devices.attachShared(extent(), ctx);
    writeAt(data, 'guest data');
    await devices.detach(VM, ctx);
    expect(dom0.tables.size).toBe(0);
    dom0.runs.length = 0;

    await devices.attachShared(extent(), ctx);
    expect(dom0.runs.filter((r) => r.startsWith('blkdiscard'))).toEqual([]);
    expect(readAt(data, 10).toString()).toBe('guest data');
    // mapped already: neither wiped nor mapped twice
    dom0.runs.length = 0;
    await devices.attachShared(extent(), ctx);
    expect(dom0.runs).toEqual(['dmsetup table']);
  });

  it('wipes the extent for a new owner: another VM never sees the disk it had', async () => {
    await devices.attachShared(extent(), ctx);
    writeAt(data, 'first owner');
    await devices.detach(VM, ctx);
    await devices.attachShared(extent(OTHER), ctx);
    expect(readAt(data, 11).equals(Buffer.alloc(11))).toBe(true);
    expect(readAt(OFFSET, 512).equals(ownerRecord(OTHER, 'xvda'))).toBe(true);
  });

  it('copies the image in when the extent is new to the disk', async () => {
    const image = layout.image(IMAGE);
    const fd = openSync(image, 'r+');
    writeSync(fd, Buffer.from('IMAGE BOOT SECTOR'), 0, 17, 0);
    closeSync(fd);
    await devices.attachShared(extent(VM, { imageFile: image }), ctx);
    expect(readAt(data, 17).toString()).toBe('IMAGE BOOT SECTOR');
  });

  it('maps a disk migrating in only when its extent is the VM’s already: never wiped, never claimed', async () => {
    await expect(devices.attachShared(extent(), ctx, 'existing')).rejects.toMatchObject({
      code: 'failed_precondition',
      message: expect.stringContaining('is not disk xvda of vm'),
    });
    expect(readAt(data, 17).toString()).toBe('OLD TENANT SECRET');
    expect(dom0.tables.size).toBe(0);

    await devices.attachShared(extent(), ctx); // built on another host: claimed there
    writeAt(data, 'guest data');
    await devices.detach(VM, ctx);
    dom0.runs.length = 0;
    expect(await devices.attachShared(extent(), ctx, 'existing')).toEqual({
      target: `/dev/mapper/xp-${VM}-xvda`,
      blockDevice: true,
    });
    expect(dom0.runs.filter((r) => r.startsWith('blkdiscard'))).toEqual([]);
    expect(readAt(data, 10).toString()).toBe('guest data');
  });

  it('refuses an extent past the end of the device, writing nothing and mapping nothing', async () => {
    const at = 2 * GiB - 512 * MiB;
    await expect(devices.attachShared(extent(VM, { offsetBytes: at }), ctx)).rejects.toMatchObject({
      code: 'failed_precondition',
    });
    expect(readAt(data, 17).toString()).toBe('OLD TENANT SECRET');
    expect(dom0.tables.size).toBe(0);
  });

  it('refuses a device that does not exist here, mapping nothing', async () => {
    await expect(devices.attachShared(extent(VM, { device: join(dir, 'no-lun') }), ctx)).rejects.toMatchObject({
      code: 'failed_precondition',
    });
    expect(dom0.tables.size).toBe(0);
  });
});
