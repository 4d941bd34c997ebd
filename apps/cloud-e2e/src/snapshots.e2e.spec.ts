import { type ApiClient, Cloud, waitFor } from '@xenplane/testing';
import { expectRefused } from './helpers';

/** What the simulated guest prints at each boot: how many boots its root disk recorded before this one. */
const BOOTS = /xenplane-sim: disk xvda holds (\d+) boots before this one/g;

/**
 * Snapshots and clones (issue 15): a VM's disks copied to a snapshot while it runs, put back
 * while it is stopped, and a stopped VM cloned into a new VM on the same host with its own MAC
 * and address. The simulated guest writes a line to its root disk at every boot and prints how
 * many it found, so what a revert or a clone carries over can be read on the console.
 */
describe('snapshots and clones', () => {
  let cloud: Cloud;
  let a: ApiClient; // a member of project A
  let aViewer: ApiClient;
  let b: ApiClient; // a member of project B

  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 1 });
    const project = async (name: string) => (await cloud.api.post('/v1/projects', { name })).body.id as string;
    const token = async (projectId: string, role: string) =>
      cloud.api.withToken(
        (await cloud.api.post(`/v1/projects/${projectId}/tokens`, { name: `${role}-ci`, role })).body.token,
      );
    const projectA = await project('snapshots-a');
    a = await token(projectA, 'member');
    aViewer = await token(projectA, 'viewer');
    b = await token(await project('snapshots-b'), 'member');
  });
  afterAll(() => cloud?.stop());

  /** A running VM of project A with a root disk (an image the guest boots from a disk). */
  async function runningVm(name: string): Promise<any> {
    const res = await a.post('/v1/vms', { name, flavor: 'xp.micro', image: 'debian-12-pv' });
    expect(res.status).toBe(202);
    expect((await cloud.waitForOperation(res.body.operations[0].id)).status).toBe('succeeded');
    return (await a.get(`/v1/vms/${res.body.vms[0].id}`)).body;
  }

  async function act(vmId: string, action: string): Promise<void> {
    const res = await a.post(`/v1/vms/${vmId}/actions`, { action });
    expect(res.status).toBe(202);
    expect((await cloud.waitForOperation(res.body.id)).status).toBe('succeeded');
  }

  async function succeeded(res: { status: number; body: any }): Promise<void> {
    expect(res.status).toBe(202);
    expect((await cloud.waitForOperation(res.body.id ?? res.body.operation.id)).status).toBe('succeeded');
  }

  /** The boot counts the guest printed on its console, oldest first. */
  async function bootsSeen(vmId: string): Promise<number[]> {
    const res = await a.get(`/v1/vms/${vmId}/console`);
    expect(res.status).toBe(200);
    return [...(res.body.output as string).matchAll(BOOTS)].map((m) => Number(m[1]));
  }

  /** What the VM's host keeps of it (ListStorage): kind and snapshot of each item. */
  async function stored(vm: { id: string; hostId: string }): Promise<{ kind: string; snapshotId: string }[]> {
    const agent = await cloud.agentClient((await cloud.api.get(`/v1/hosts/${vm.hostId}`)).body.name);
    return (await agent.listStorage({ vmId: vm.id })).items.map((i) => ({ kind: i.kind, snapshotId: i.snapshotId }));
  }

  const snapshotRows = (vmId: string) => cloud.db.snapshot.findMany({ where: { vmId }, orderBy: { createdAt: 'asc' } });

  it('a running VM is snapshotted; revert is refused while it runs, and once stopped brings its disk back', async () => {
    const vm = await runningVm('snap-me');
    expect(await bootsSeen(vm.id)).toEqual([0]);

    const made = await a.post(`/v1/vms/${vm.id}/snapshots`, { name: 'first-boot' });
    expect(made.status).toBe(202);
    expect(made.body.snapshot).toMatchObject({ vmId: vm.id, name: 'first-boot', state: 'creating' });
    expect(made.body.operation).toMatchObject({ kind: 'snapshot', vmId: vm.id, status: 'queued' });
    expect((await cloud.waitForOperation(made.body.operation.id)).status).toBe('succeeded');
    const snapshot = (await a.get(`/v1/vms/${vm.id}/snapshots/${made.body.snapshot.id}`)).body;
    expect(snapshot).toMatchObject({ id: made.body.snapshot.id, state: 'available', sizeBytes: expect.any(Number) });
    // the VM kept running through it; its host keeps the copy beside the disk
    expect((await a.get(`/v1/vms/${vm.id}`)).body.state).toBe('running');
    expect(await stored(vm)).toContainEqual({ kind: 'snapshot', snapshotId: snapshot.id });

    // a viewer reads them, a page at a time; only members make them
    const page = await aViewer.get(`/v1/vms/${vm.id}/snapshots?limit=1`);
    expect(page.status).toBe(200);
    expect(page.body.items.map((s: any) => s.name)).toEqual(['first-boot']);
    expect((await aViewer.post(`/v1/vms/${vm.id}/snapshots`, { name: 'x' })).status).toBe(403);
    // an Idempotency-Key replays the first answer and makes nothing more
    const key = { 'idempotency-key': 'snap-once' };
    const once = await a.request('POST', `/v1/vms/${vm.id}/snapshots`, { name: 'keyed' }, key);
    expect(once.status).toBe(202);
    const again = await a.request('POST', `/v1/vms/${vm.id}/snapshots`, { name: 'keyed' }, key);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.snapshot.id).toBe(once.body.snapshot.id);
    expect((await cloud.waitForOperation(once.body.operation.id)).status).toBe('succeeded');
    const deleteKey = { 'idempotency-key': 'snap-delete-once' };
    const deletePath = `/v1/vms/${vm.id}/snapshots/${once.body.snapshot.id}`;
    const keyedDelete = await a.request('DELETE', deletePath, undefined, deleteKey);
    await succeeded(keyedDelete);
    const deletedAgain = await a.request('DELETE', deletePath, undefined, deleteKey);
    expect({ status: deletedAgain.status, id: deletedAgain.body.id }).toEqual({ status: 202, id: keyedDelete.body.id });
    expect((await snapshotRows(vm.id)).map((s) => s.name)).toEqual(['first-boot']);

    // a name is unique per VM; a bad one is a 400
    const taken = await expectRefused(
      cloud,
      () => a.post(`/v1/vms/${vm.id}/snapshots`, { name: 'first-boot' }),
      409,
      'conflict',
    );
    expect(taken.detail).toBe('the VM already has a snapshot named first-boot');
    await expectRefused(cloud, () => a.post(`/v1/vms/${vm.id}/snapshots`, { name: '../x' }), 400, 'validation_failed');

    // a revert needs the VM stopped: refused with the state named, nothing changed
    const revertPath = `/v1/vms/${vm.id}/snapshots/${snapshot.id}/revert`;
    const running = await expectRefused(cloud, () => a.post(revertPath), 409, 'conflict');
    expect(running).toMatchObject({
      detail: 'cannot revert a VM that is running (it must be stopped)',
      state: 'running',
    });
    expect((await snapshotRows(vm.id)).map((s) => s.state)).toEqual(['available']);
    expect((await a.get(`/v1/vms/${vm.id}`)).body.state).toBe('running');

    // one more boot on the disk, then back to the snapshot: the guest finds the count it had then
    await act(vm.id, 'stop');
    await act(vm.id, 'start');
    expect(await bootsSeen(vm.id)).toEqual([1]);
    await act(vm.id, 'stop');
    const reverted = await a.post(revertPath);
    expect(reverted.body).toMatchObject({ kind: 'snapshot_revert', vmId: vm.id });
    await succeeded(reverted);
    expect((await a.get(`/v1/vms/${vm.id}`)).body.state).toBe('stopped');
    expect((await a.get(`/v1/vms/${vm.id}/snapshots/${snapshot.id}`)).body.state).toBe('available');
    await act(vm.id, 'start');
    expect(await bootsSeen(vm.id)).toEqual([1]);

    // deleted, it is gone from the API and the database
    const removed = await a.delete(`/v1/vms/${vm.id}/snapshots/${snapshot.id}`);
    expect(removed.body).toMatchObject({ kind: 'snapshot_delete' });
    await succeeded(removed);
    expect((await a.get(`/v1/vms/${vm.id}/snapshots/${snapshot.id}`)).status).toBe(404);
    expect((await a.get(`/v1/vms/${vm.id}/snapshots`)).body.items).toEqual([]);
    expect(await snapshotRows(vm.id)).toEqual([]);
    expect((await stored(vm)).filter((i) => i.kind === 'snapshot')).toEqual([]);
    await expectRefused(cloud, () => a.post(revertPath), 404, 'not_found');
  });

  it("another project's VM and its snapshots are not there (404); an unknown snapshot neither", async () => {
    const vm = await runningVm('private');
    const made = await a.post(`/v1/vms/${vm.id}/snapshots`, { name: 'mine' });
    await succeeded(made);
    const snap = `/v1/vms/${vm.id}/snapshots/${made.body.snapshot.id}`;
    expect((await b.get(`/v1/vms/${vm.id}/snapshots`)).status).toBe(404);
    expect((await b.get(snap)).status).toBe(404);
    await expectRefused(cloud, () => b.post(`/v1/vms/${vm.id}/snapshots`, { name: 'theirs' }), 404, 'not_found');
    await expectRefused(cloud, () => b.post(`${snap}/revert`), 404, 'not_found');
    await expectRefused(cloud, () => b.delete(snap), 404, 'not_found');
    await act(vm.id, 'stop');
    await expectRefused(cloud, () => b.post(`/v1/vms/${vm.id}/actions`, { action: 'clone' }), 404, 'not_found');
    const unknown = `/v1/vms/${vm.id}/snapshots/8b0c7a52-5d5e-4f0e-9a8e-2f1c6b9d7e10`;
    expect((await a.get(unknown)).status).toBe(404);
    await expectRefused(cloud, () => a.post(`${unknown}/revert`), 404, 'not_found');
    expect((await snapshotRows(vm.id)).map((s) => s.state)).toEqual(['available']);
  });

  it('a stopped VM is cloned: a new VM on the same host with its own MAC and address and the same disk', async () => {
    const source = await runningVm('origin');
    // a running VM is not cloned: its disks are being written
    const refused = await expectRefused(
      cloud,
      () => a.post(`/v1/vms/${source.id}/actions`, { action: 'clone' }),
      409,
      'conflict',
    );
    expect(refused).toMatchObject({
      detail: 'cannot clone a VM that is running (it must be stopped)',
      state: 'running',
    });
    await act(source.id, 'stop');
    // a name is the clone's only parameter, and only the clone's
    const actions = `/v1/vms/${source.id}/actions`;
    await expectRefused(cloud, () => a.post(actions, { action: 'clone', name: 'no spaces' }), 400, 'validation_failed');
    await expectRefused(cloud, () => a.post(actions, { action: 'start', name: 'x' }), 400, 'validation_failed');
    await expectRefused(cloud, () => a.post(actions, { action: 'clone', live: true }), 400, 'validation_failed');

    const res = await a.post(`/v1/vms/${source.id}/actions`, { action: 'clone' });
    expect(res.status).toBe(202);
    const clone = res.body.vm;
    expect(clone).toMatchObject({
      name: 'origin-clone-1',
      state: 'building',
      hostId: source.hostId,
      clonedFromId: source.id,
      flavor: source.flavor,
      image: source.image,
    });
    expect(clone.id).not.toBe(source.id);
    expect(res.body.operation).toMatchObject({ kind: 'clone', vmId: clone.id, status: 'queued' });
    const op = await cloud.waitForOperation(res.body.operation.id);
    expect(op).toMatchObject({ status: 'succeeded', step: 'done' });

    const built = (await a.get(`/v1/vms/${clone.id}`)).body;
    expect(built).toMatchObject({ state: 'running', hostId: source.hostId, clonedFromId: source.id });
    expect(built.addresses).toHaveLength(source.addresses.length);
    expect(built.addresses[0].network).toBe(source.addresses[0].network);
    expect(built.addresses[0].mac).not.toBe(source.addresses[0].mac);
    expect(built.addresses[0].ip).not.toBe(source.addresses[0].ip);
    // its disk is a copy of the source's: the guest finds the source's boot on it
    expect(await bootsSeen(clone.id)).toEqual([1]);

    // its host without room for another: refused, nothing written (the disks are there, so the clone must be)
    const host = await cloud.db.host.findUniqueOrThrow({ where: { id: source.hostId } });
    await cloud.db.host.update({ where: { id: host.id }, data: { usedMemoryMb: host.totalMemoryMb } });
    const full = await expectRefused(
      cloud,
      () => a.post(`/v1/vms/${source.id}/actions`, { action: 'clone' }),
      422,
      'no_valid_host',
    );
    expect(full).toMatchObject({ host: host.name, detail: expect.stringContaining('disks are local') });
    await cloud.db.host.update({ where: { id: host.id }, data: { usedMemoryMb: host.usedMemoryMb } });

    // a name can be given; a second clone without one counts on
    const named = await a.post(`/v1/vms/${source.id}/actions`, { action: 'clone', name: 'twin' });
    expect(named.body.vm.name).toBe('twin');
    await succeeded(named);
    const third = await a.post(`/v1/vms/${source.id}/actions`, { action: 'clone' });
    expect(third.body.vm.name).toBe('origin-clone-3');
    await succeeded(third);

    // the source deleted, the clones still run on their own disks
    const deleted = await a.delete(`/v1/vms/${source.id}`);
    await succeeded(deleted);
    expect(await stored(source)).toEqual([]);
    expect((await stored(built)).map((i) => i.kind)).toContain('disk');
    expect((await a.get(`/v1/vms/${clone.id}`)).body.state).toBe('running');
    await act(clone.id, 'reboot');
    expect(await bootsSeen(clone.id)).toEqual([1, 2]);
  });

  it("a VM's deletion takes its snapshots with it", async () => {
    const vm = await runningVm('short-lived');
    await succeeded(await a.post(`/v1/vms/${vm.id}/snapshots`, { name: 'one' }));
    await succeeded(await a.post(`/v1/vms/${vm.id}/snapshots`, { name: 'two' }));
    expect(await snapshotRows(vm.id)).toHaveLength(2);
    expect((await stored(vm)).filter((i) => i.kind === 'snapshot')).toHaveLength(2);
    // listed newest first, a page at a time
    const first = (await a.get(`/v1/vms/${vm.id}/snapshots?limit=1`)).body;
    expect(first.items.map((s: any) => s.name)).toEqual(['two']);
    const second = (await a.get(`/v1/vms/${vm.id}/snapshots?limit=1&cursor=${encodeURIComponent(first.nextCursor)}`))
      .body;
    expect(second).toEqual({ items: [expect.objectContaining({ name: 'one', state: 'available' })] });
    await succeeded(await a.delete(`/v1/vms/${vm.id}`));
    // nothing of it is left on the host: disks, snapshots, config drive
    expect(await stored(vm)).toEqual([]);
    expect(await snapshotRows(vm.id)).toEqual([]);
    expect((await a.get(`/v1/vms/${vm.id}/snapshots`)).body.items).toEqual([]);
  });
});

/** A scheduler killed mid-clone: another takes the operation up at its recorded step and ends it once. */
describe('a clone survives its scheduler', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    // a slow boot keeps the clone's build in flight long enough to kill the scheduler under it
    cloud = await Cloud.start({ hosts: 1, agentEnv: { SIM_BOOT_MS: '1500' } });
  });
  afterAll(() => cloud?.stop());

  it('SIGKILL of the scheduler while the clone builds: the next one finishes it, the disk copied once', async () => {
    const created = await cloud.api.post('/v1/vms', { name: 'crash-src', flavor: 'xp.micro', image: 'debian-12-pv' });
    const sourceId = created.body.vms[0].id;
    expect((await cloud.waitForOperation(created.body.operations[0].id)).status).toBe('succeeded');
    const stop = await cloud.api.post(`/v1/vms/${sourceId}/actions`, { action: 'stop' });
    expect((await cloud.waitForOperation(stop.body.id)).status).toBe('succeeded');

    const res = await cloud.api.post(`/v1/vms/${sourceId}/actions`, { action: 'clone' });
    expect(res.status).toBe(202);
    const opId = res.body.operation.id;
    await waitFor(
      'the clone building',
      async () =>
        (await cloud.db.operation.findUnique({ where: { id: opId } }))?.step === 'building' ? true : undefined,
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    await cloud.schedulers[0]!.kill();
    await cloud.addScheduler();

    expect(await cloud.waitForOperation(opId, 120_000)).toMatchObject({ status: 'succeeded', step: 'done' });
    const clone = (await cloud.api.get(`/v1/vms/${res.body.vm.id}`)).body;
    expect(clone).toMatchObject({ state: 'running', clonedFromId: sourceId });
    const ends = await cloud.db.event.count({
      where: { resourceId: opId, type: 'operation.status', data: { path: ['status'], equals: 'succeeded' } },
    });
    expect(ends).toBe(1);
    // the copy of the source's disk, booted (once or again): it holds the source's one boot
    const output = (await cloud.api.get(`/v1/vms/${clone.id}/console`)).body.output as string;
    expect([...output.matchAll(BOOTS)].map((m) => Number(m[1]))[0]).toBe(1);
  });
});
