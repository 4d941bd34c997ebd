import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DiskSpec, type Domain, DomainState } from '@xenplane/proto';
import type { CallContext } from '../drivers/driver';
import { FileDevices } from './block-devices';
import { HostStorage } from './host-storage';
import { StorageLayout } from './layout';
import type { ExtentMode, SharedExtent } from './shared-extent';

const VM = '6f1c2a3e-0b4d-4e5f-8a9b-0c1d2e3f4a5b';
const OTHER = '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';
const SNAP = '22222222-3333-4444-8555-666666666666';
const ctx: CallContext = { signal: new AbortController().signal };

let dir: string;
let state: DomainState | undefined;
let calls: string[];
let devices: FileDevices;
let storage: HostStorage;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xp-host-storage-'));
  state = undefined;
  calls = [];
  devices = new FileDevices();
  const detach = devices.detach.bind(devices);
  devices.detach = () => (calls.push('detach'), detach());
  storage = new HostStorage(
    new StorageLayout(dir),
    devices,
    {
      find: () => Promise.resolve(state === undefined ? undefined : ({ vmId: VM, state } as Domain)),
      pause: () => Promise.resolve(void calls.push('pause')),
      unpause: () => Promise.resolve(void calls.push('unpause')),
    },
    ['/dev/xp-shared'],
  );
  await storage.disks.ensureDisk(VM, { vdev: 'xvda', sizeGb: 1, imageId: '' });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('host storage', () => {
  it('pauses a running domain for a snapshot, and lets it run again', async () => {
    state = DomainState.DOMAIN_STATE_RUNNING;
    await storage.snapshot(VM, SNAP, ctx);
    expect(calls).toEqual(['pause', 'unpause']);
  });

  it('leaves a paused domain paused, and a stopped VM has nothing to pause', async () => {
    state = DomainState.DOMAIN_STATE_PAUSED;
    await storage.snapshot(VM, SNAP, ctx);
    state = undefined;
    storage.deleteSnapshot(VM, SNAP);
    await storage.snapshot(VM, SNAP, ctx);
    expect(calls).toEqual([]);
  });

  it('lets the domain run again when the copy fails', async () => {
    state = DomainState.DOMAIN_STATE_RUNNING;
    devices.quiesce = () => Promise.reject(new Error('no space left on device'));
    await expect(storage.snapshot(VM, SNAP, ctx)).rejects.toThrow('no space');
    expect(calls).toEqual(['pause', 'unpause']);
  });

  it('reverts and clones only a stopped VM, changing nothing when refused', async () => {
    await storage.snapshot(VM, SNAP, ctx);
    state = DomainState.DOMAIN_STATE_RUNNING;
    await expect(storage.revert(VM, SNAP, ctx)).rejects.toMatchObject({ code: 'failed_precondition' });
    await expect(storage.clone(VM, OTHER, ctx)).rejects.toMatchObject({ code: 'failed_precondition' });
    expect(await storage.list(OTHER, ctx)).toEqual([]);
    expect(calls).toEqual([]);
    state = undefined;
    await storage.revert(VM, SNAP, ctx);
    // the devices over the old disk go first: they are assembled again at the next create
    expect(calls.at(-1)).toBe('detach');
  });

  describe('a domain migrating in (prepareIncoming)', () => {
    const disk = (over: Partial<DiskSpec>): DiskSpec => ({
      target: '',
      format: 'raw',
      vdev: 'xvda',
      access: 'rw',
      sizeGb: 1,
      imageId: '',
      sharedDevice: '',
      sharedOffsetBytes: 0,
      ...over,
    });

    it('refuses a disk the agent would make here, naming it, and makes nothing', async () => {
      const spec = {
        vmId: OTHER,
        disks: [disk({ sharedDevice: '/dev/xp-shared', sharedOffsetBytes: 1 << 20 }), disk({ vdev: 'xvdb' })],
      };
      await expect(storage.prepareIncoming(spec, ctx)).rejects.toMatchObject({
        code: 'failed_precondition',
        message: expect.stringContaining('disks xvdb of vm'),
      });
      expect(storage.disks.disksOf(OTHER)).toEqual([]);
    });

    it('maps no device the host does not list (AGENT_SHARED_DEVICES), for a build or a migration alike', async () => {
      const mapped: unknown[] = [];
      devices.attachShared = (extent: SharedExtent) => (
        mapped.push(extent),
        Promise.resolve({ target: '/dev/mapper/x', blockDevice: true })
      );
      const spec = { vmId: OTHER, disks: [disk({ sharedDevice: '/dev/sda', sharedOffsetBytes: 1 << 20 })] };
      for (const attempt of [storage.prepareDisks(spec, ctx), storage.prepareIncoming(spec, ctx)])
        await expect(attempt).rejects.toMatchObject({
          code: 'failed_precondition',
          message: expect.stringContaining('shared device /dev/sda is not one this host maps'),
        });
      expect(mapped).toEqual([]);
    });

    it('maps shared disks without asking for their image here, and keeps a disk with its own target', async () => {
      const mapped: unknown[] = [];
      devices.attachShared = (extent: SharedExtent, _ctx?: CallContext, mode?: ExtentMode) => (
        mapped.push({ ...extent, mode }),
        Promise.resolve({ target: '/dev/mapper/x', blockDevice: true })
      );
      const image = '11111111-2222-4333-8444-555555555555';
      const targets = await storage.prepareIncoming(
        {
          vmId: OTHER,
          disks: [
            disk({ sharedDevice: '/dev/xp-shared', sharedOffsetBytes: 3 << 20, imageId: image }),
            disk({ vdev: 'xvdb', target: '/srv/data.img' }),
          ],
        },
        ctx,
      );
      expect(targets.map((t) => t.target)).toEqual(['/dev/mapper/x', '/srv/data.img']);
      expect(mapped).toEqual([
        { vmId: OTHER, vdev: 'xvda', device: '/dev/xp-shared', offsetBytes: 3 << 20, sizeGb: 1, mode: 'existing' },
      ]);
    });
  });
});
