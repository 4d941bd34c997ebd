import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskStore } from './disk-store';
import { cowSizeBytes } from './dm-devices';
import { StorageLayout } from './layout';

const VM = '6f1c2a3e-0b4d-4e5f-8a9b-0c1d2e3f4a5b';
const OTHER = '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';
const IMAGE = '11111111-2222-4333-8444-555555555555';
const S1 = '22222222-3333-4444-8555-666666666666';
const S2 = '33333333-4444-4555-8666-777777777777';
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

let dir: string;
let layout: StorageLayout;
let store: DiskStore;

const blank = (vdev: string, sizeGb = 1) => ({ vdev, sizeGb, imageId: '' });

function write(file: string, text: string, at = 0): void {
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.from(text), 0, undefined, at);
  closeSync(fd);
}

function read(file: string, len: number, at = 0): string {
  const b = Buffer.alloc(len);
  const fd = openSync(file, 'r');
  readSync(fd, b, 0, len, at);
  closeSync(fd);
  return b.toString();
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xp-disks-'));
  layout = new StorageLayout(dir);
  store = new DiskStore(layout);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('disk store', () => {
  it('makes a blank disk once: sparse, of its size, kept as it is on the next ask', async () => {
    const d = await store.ensureDisk(VM, blank('xvda', 2));
    expect(d).toEqual({ vmId: VM, vdev: 'xvda', kind: 'img', file: layout.disk(VM, 'xvda', 'img') });
    expect(statSync(d.file).size).toBe(2 * GiB);
    expect(statSync(d.file).blocks).toBe(0);
    write(d.file, 'data');
    await store.ensureDisk(VM, blank('xvda', 5));
    expect(statSync(d.file).size).toBe(2 * GiB);
    expect(read(d.file, 4)).toBe('data');
  });

  it("makes a root disk of a cached image its CoW layer, sized for the image's every chunk", async () => {
    const fd = openSync(layout.image(IMAGE), 'w');
    ftruncateSync(fd, 200 * MiB);
    closeSync(fd);
    const d = await store.ensureDisk(VM, { vdev: 'xvda', sizeGb: 20, imageId: IMAGE });
    expect(d).toMatchObject({ kind: 'cow', file: layout.disk(VM, 'xvda', 'cow'), imageFile: layout.image(IMAGE) });
    expect(statSync(d.file).size).toBe(cowSizeBytes(200 * MiB));
  });

  it('refuses a root disk of an image not cached here, and makes nothing', async () => {
    await expect(store.ensureDisk(VM, { vdev: 'xvda', sizeGb: 1, imageId: IMAGE })).rejects.toThrow(
      expect.objectContaining({ code: 'failed_precondition', message: `image ${IMAGE} is not cached on this host` }),
    );
    expect(store.list(VM)).toEqual([]);
  });

  it('snapshots, reverts to either snapshot, and keeps snapshots apart from the disk', async () => {
    const a = (await store.ensureDisk(VM, blank('xvda'))).file;
    const b = (await store.ensureDisk(VM, blank('xvdb'))).file;
    write(a, 'one');
    write(b, 'data', 512 * MiB);
    const size = await store.snapshot(VM, S1);
    expect(size).toBeGreaterThan(0);
    expect(size).toBeLessThan(MiB);
    write(a, 'two');
    await store.snapshot(VM, S2);
    write(a, 'three');
    await store.revert(VM, S1);
    expect(read(a, 5)).toBe('one\0\0');
    expect(read(b, 4, 512 * MiB)).toBe('data');
    expect(statSync(a).size).toBe(GiB);
    await store.revert(VM, S2);
    expect(read(a, 3)).toBe('two');
    // a snapshot taken again is the one there (idempotent), not a new copy
    write(a, 'four');
    await store.snapshot(VM, S1);
    await store.revert(VM, S1);
    expect(read(a, 3)).toBe('one');
  });

  it('answers not_found for a snapshot that is not here, failed_precondition for a VM without disks', async () => {
    await store.ensureDisk(VM, blank('xvda'));
    await expect(store.revert(VM, S1)).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.snapshot(OTHER, S1)).rejects.toMatchObject({ code: 'failed_precondition' });
    expect(existsSync(layout.snapshot(OTHER, S1))).toBe(false);
    expect(store.deleteSnapshot(VM, S1)).toBe(false);
  });

  it("clones a VM's disks to another VM's names, and keeps what the target already has", async () => {
    write((await store.ensureDisk(VM, blank('xvda'))).file, 'source');
    await store.ensureDisk(VM, blank('xvdb'));
    expect(await store.clone(VM, OTHER)).toEqual(['xvda', 'xvdb']);
    const copy = layout.disk(OTHER, 'xvda', 'img');
    expect(read(copy, 6)).toBe('source');
    write(copy, 'target');
    expect(await store.clone(VM, OTHER)).toEqual(['xvda', 'xvdb']);
    expect(read(copy, 6)).toBe('target');
    expect(read(layout.disk(VM, 'xvda', 'img'), 6)).toBe('source');
    await expect(store.clone(VM, VM)).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it("purges everything of one VM and nothing of another's", async () => {
    for (const vm of [VM, OTHER]) {
      await store.ensureDisk(vm, blank('xvda'));
      await store.snapshot(vm, S1);
      writeFileSync(layout.configDrive(vm), 'iso');
      writeFileSync(layout.xlConfig(vm), 'cfg');
    }
    writeFileSync(layout.image(IMAGE), 'image');
    expect(
      store
        .list(VM)
        .map((i) => i.kind)
        .sort(),
    ).toEqual(['config-drive', 'disk', 'snapshot']);
    store.purge(VM);
    expect(store.list(VM)).toEqual([]);
    expect(existsSync(layout.xlConfig(VM))).toBe(false);
    expect(existsSync(layout.vmSnapshots(VM))).toBe(false);
    expect(store.list(OTHER)).toHaveLength(3);
    expect(existsSync(layout.xlConfig(OTHER))).toBe(true);
    // the cached image is no VM's: listed with everything, never purged
    expect(store.list().filter((i) => i.kind === 'image')).toEqual([
      expect.objectContaining({ imageId: IMAGE, path: layout.image(IMAGE) }),
    ]);
  });

  it('lists what each item takes on the host, not its apparent size', async () => {
    const d = await store.ensureDisk(VM, blank('xvda', 4));
    write(d.file, 'x');
    const [item] = store.list(VM);
    expect(item).toMatchObject({ kind: 'disk', vmId: VM, device: 'xvda', path: d.file });
    expect(item!.sizeBytes).toBeGreaterThan(0);
    expect(item!.sizeBytes).toBeLessThan(MiB);
  });
});
