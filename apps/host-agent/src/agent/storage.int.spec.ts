// The agent's storage over real gRPC with the sim driver: disks as real sparse files, snapshot,
// revert, clone and purge, seen through ListStorage and through the simulated guest's console
// (it counts its boots on its root disk, so what a revert puts back is visible).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import type { AgentClient } from '@xenplane/agent-client';
import { type DomainSpec, DomainState, type StoredItem } from '@xenplane/proto';
import { StandaloneAgent, testDomainSpec } from '@xenplane/testing';

const GiB = 1024 ** 3;

async function statusOf(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: number; details: string };
    return { code: e.code, details: e.details };
  }
  throw new Error('the call succeeded');
}

/** a VM with a blank 2 GiB root disk and a 1 GiB data disk, made by the agent */
const spec = (over: Partial<DomainSpec> = {}): DomainSpec =>
  testDomainSpec({
    disks: [
      {
        target: '',
        format: 'raw',
        vdev: 'xvda',
        access: 'rw',
        sizeGb: 2,
        imageId: '',
        sharedDevice: '',
        sharedOffsetBytes: 0,
      },
      {
        target: '',
        format: 'raw',
        vdev: 'xvdb',
        access: 'rw',
        sizeGb: 1,
        imageId: '',
        sharedDevice: '',
        sharedOffsetBytes: 0,
      },
    ],
    ...over,
  });

const brief = (items: StoredItem[]) =>
  items.map((i) => `${i.kind} ${i.device}${i.snapshotId ? ` ${i.snapshotId}` : ''}`).sort();

describe('host agent storage over gRPC (sim driver)', () => {
  const agent = new StandaloneAgent({ env: { SIM_BOOT_MS: '10', SIM_SHUTDOWN_MS: '10' } });
  const storageDir = join(agent.stateDir, 'storage');
  let c: AgentClient;

  beforeAll(async () => {
    await agent.start();
    c = agent.client();
  });
  afterAll(() => agent.destroy());

  const consoleOf = async (vmId: string) => (await c.getConsoleLog({ vmId, maxBytes: 0 })).data.toString();
  const bootsSeen = async (vmId: string) => {
    const m = [...(await consoleOf(vmId)).matchAll(/xenplane-sim: disk xvda holds (\d+) boots before this one/g)];
    return m.map((x) => Number(x[1]));
  };
  const storageOf = async (vmId: string) => (await c.listStorage({ vmId })).items;

  it('keeps disks across boots, snapshots, reverts, clones, and purges everything of a VM', async () => {
    const s = spec();
    await c.createDomain({ spec: s, startPaused: false });
    expect(await bootsSeen(s.vmId)).toEqual([0]);
    const disks = await storageOf(s.vmId);
    expect(brief(disks)).toEqual(['disk xvda', 'disk xvdb']);
    // sparse files of the asked size, in the layout's place
    const root = disks.find((d) => d.device === 'xvda')!;
    expect(root.path).toBe(join(storageDir, 'disks', `${s.vmId}-xvda.img`));
    expect(statSync(root.path).size).toBe(2 * GiB);
    expect(root.sizeBytes).toBeLessThan(1024 * 1024);

    // stopped, snapshotted, booted again: one more boot on the disk
    await c.shutdownDomain({ vmId: s.vmId, timeoutSeconds: 5, forceAfterTimeout: true });
    const snap = randomUUID();
    const info = await c.snapshotDisks({ vmId: s.vmId, snapshotId: snap });
    expect(info).toMatchObject({ vmId: s.vmId, snapshotId: snap });
    expect(info.sizeBytes).toBeGreaterThan(0);
    expect(info.sizeBytes).toBeLessThan(1024 * 1024);
    // idempotent: the same snapshot again is the same snapshot
    expect(await c.snapshotDisks({ vmId: s.vmId, snapshotId: snap })).toEqual(info);
    await c.createDomain({ spec: s, startPaused: false });
    expect(await bootsSeen(s.vmId)).toEqual([1]);

    // revert needs the VM stopped, and changes nothing when refused
    const refused = await statusOf(c.revertDisks({ vmId: s.vmId, snapshotId: snap }));
    expect(refused.code).toBe(Status.FAILED_PRECONDITION);
    await c.destroyDomain({ vmId: s.vmId, purgeStorage: false });
    await c.revertDisks({ vmId: s.vmId, snapshotId: snap });
    await c.createDomain({ spec: s, startPaused: false });
    // the disk as it was at the snapshot: one boot, not two
    expect(await bootsSeen(s.vmId)).toEqual([1]);
    expect(brief(await storageOf(s.vmId))).toEqual([
      'disk xvda',
      'disk xvdb',
      `snapshot xvda ${snap}`,
      `snapshot xvdb ${snap}`,
    ]);

    // a clone of a running VM is refused; of a stopped one, the target has its own files
    const clone = spec();
    expect((await statusOf(c.cloneDisks({ sourceVmId: s.vmId, targetVmId: clone.vmId }))).code).toBe(
      Status.FAILED_PRECONDITION,
    );
    expect(await storageOf(clone.vmId)).toEqual([]);
    await c.destroyDomain({ vmId: s.vmId, purgeStorage: false });
    expect(await c.cloneDisks({ sourceVmId: s.vmId, targetVmId: clone.vmId })).toEqual({ devices: ['xvda', 'xvdb'] });
    // idempotent on the target
    expect(await c.cloneDisks({ sourceVmId: s.vmId, targetVmId: clone.vmId })).toEqual({ devices: ['xvda', 'xvdb'] });
    const cloned = await storageOf(clone.vmId);
    expect(brief(cloned)).toEqual(['disk xvda', 'disk xvdb']);
    expect(cloned.map((d) => d.path)).not.toContain(root.path);
    expect(statSync(cloned.find((d) => d.device === 'xvda')!.path).size).toBe(2 * GiB);
    await c.createDomain({ spec: clone, startPaused: false });
    // the clone's disk carries the source's two boots; booting it leaves the source's alone
    expect(await bootsSeen(clone.vmId)).toEqual([2]);
    await c.createDomain({ spec: s, startPaused: false });
    expect(await bootsSeen(s.vmId)).toEqual([2]);

    // snapshots go one by one, idempotently
    await c.destroyDomain({ vmId: s.vmId, purgeStorage: false });
    expect(await c.deleteSnapshot({ vmId: s.vmId, snapshotId: snap })).toEqual({ existed: true });
    expect(await c.deleteSnapshot({ vmId: s.vmId, snapshotId: snap })).toEqual({ existed: false });
    expect((await statusOf(c.revertDisks({ vmId: s.vmId, snapshotId: snap }))).code).toBe(Status.NOT_FOUND);

    // delete leaves nothing of either VM
    await c.snapshotDisks({ vmId: s.vmId, snapshotId: randomUUID() });
    expect(brief(await storageOf(s.vmId))).toHaveLength(4);
    for (const vm of [s, clone]) {
      await c.destroyDomain({ vmId: vm.vmId, purgeStorage: true });
      expect(await storageOf(vm.vmId)).toEqual([]);
    }
    expect(existsSync(join(storageDir, 'snapshots', s.vmId))).toBe(false);
  });

  it('snapshots a running VM without stopping it', async () => {
    const s = spec();
    await c.createDomain({ spec: s, startPaused: false });
    const snap = randomUUID();
    await c.snapshotDisks({ vmId: s.vmId, snapshotId: snap });
    expect((await c.getDomain({ vmId: s.vmId })).state).toBe(DomainState.DOMAIN_STATE_RUNNING);
    expect(brief(await storageOf(s.vmId))).toContain(`snapshot xvda ${snap}`);
    await c.destroyDomain({ vmId: s.vmId, purgeStorage: true });
    expect(await storageOf(s.vmId)).toEqual([]);
  });

  it('makes a root disk of an image only when the image is cached here', async () => {
    const imageId = randomUUID();
    const s = spec();
    s.disks[0]!.imageId = imageId;
    const missing = await statusOf(c.createDomain({ spec: s, startPaused: false }));
    expect(missing.code).toBe(Status.FAILED_PRECONDITION);
    expect(missing.details).toContain(`image ${imageId} is not cached on this host`);
    expect((await c.listDomains({})).domains.find((d) => d.vmId === s.vmId)).toBeUndefined();
    // the image cache's place for it (what PutImage fills)
    mkdirSync(join(storageDir, 'images'), { recursive: true });
    writeFileSync(join(storageDir, 'images', `${imageId}.raw`), Buffer.alloc(4 * 1024 * 1024, 1));
    await c.createDomain({ spec: s, startPaused: false });
    const items = await storageOf(s.vmId);
    expect(items.map((i) => i.path).sort()).toEqual([
      join(storageDir, 'disks', `${s.vmId}-xvda.cow`),
      join(storageDir, 'disks', `${s.vmId}-xvdb.img`),
    ]);
    const all = await c.listStorage({ vmId: '' });
    expect(all.items).toContainEqual(expect.objectContaining({ kind: 'image', imageId }));
    await c.destroyDomain({ vmId: s.vmId, purgeStorage: true });
    expect(await storageOf(s.vmId)).toEqual([]);
    // the image is the cache's, not the VM's: it stays
    expect(existsSync(join(storageDir, 'images', `${imageId}.raw`))).toBe(true);
  });

  it('refuses ids that are not uuids before they touch a path', async () => {
    for (const call of [
      c.snapshotDisks({ vmId: randomUUID(), snapshotId: '../../etc' }),
      c.snapshotDisks({ vmId: '../x', snapshotId: randomUUID() }),
      c.deleteSnapshot({ vmId: randomUUID(), snapshotId: '..' }),
      c.cloneDisks({ sourceVmId: randomUUID(), targetVmId: 'x/..' }),
      c.listStorage({ vmId: '*' }),
    ]) {
      expect((await statusOf(call)).code).toBe(Status.INVALID_ARGUMENT);
    }
    // a VM with no disks here has nothing to snapshot or clone
    expect((await statusOf(c.snapshotDisks({ vmId: randomUUID(), snapshotId: randomUUID() }))).code).toBe(
      Status.FAILED_PRECONDITION,
    );
  });
});
