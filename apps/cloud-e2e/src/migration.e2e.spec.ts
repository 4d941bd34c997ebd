import { FaultKind } from '@xenplane/proto';
import { Cloud, waitFor } from '@xenplane/testing';

/**
 * Live migration between the hosts of a pool: the VM lands elsewhere with one running domain,
 * its claims follow it, and every failure — a bad target, a killed scheduler, a source that
 * dies or is cut off — ends with the VM recorded where its domain really is and no claim left.
 */
describe('migration', () => {
  let cloud: Cloud;
  const HOSTS = ['sim-1', 'sim-2', 'sim-3'];
  // the sim creates the target's domain when the last pages arrive and ends the source's when
  // the target confirms: the guest is paused across that handover (the downtime), not running
  // twice. Measured at 1-5 ms; the bound leaves room for a loaded machine.
  const HANDOVER_MS = 200;

  beforeAll(async () => {
    cloud = await Cloud.start({
      hosts: 3,
      // small hosts (5852 MB offered: two m1.small each) and a slow link (an xp.micro takes 2 s to move)
      agentEnv: { SIM_MEMORY_MB: '8192', SIM_MIGRATION_MBPS: '64', SIM_SHUTDOWN_MS: '100' },
      env: { OPERATION_ATTEMPTS: '4' },
      schedulerEnv: { AGENT_CALL_TIMEOUT_MS: '2000' },
      // hosts here are cut off for a while, not dead: HA is not what these tests are about
      liveness: { deadAfterMs: 120_000 },
    });
  });
  afterAll(() => cloud?.stop());
  afterEach(async () => {
    for (const h of HOSTS) await (await cloud.simControl(h)).clearFaults();
    await cloud.waitForHosts(3, 'up');
  });

  const hosts = async () =>
    (await cloud.api.get('/v1/hosts')).body.items as {
      id: string;
      name: string;
      state: string;
      usage: Record<string, number>;
    }[];
  const hostNamed = async (name: string) => (await hosts()).find((h) => h.name === name)!;
  const vmView = async (id: string) => (await cloud.api.get(`/v1/vms/${id}`)).body;
  const create = async (name: string, flavor = 'xp.micro') => {
    const res = await cloud.api.post('/v1/vms', { name, flavor, image: 'tiny-pv' });
    expect(res.status).toBe(202);
    expect((await cloud.waitForOperation(res.body.operations[0].id)).status).toBe('succeeded');
    return vmView(res.body.vms[0].id);
  };
  const migrate = async (vmId: string, body: Record<string, unknown> = {}) => {
    const res = await cloud.api.post(`/v1/vms/${vmId}/actions`, { action: 'migrate', ...body });
    expect(res.status).toBe(202);
    return res.body as { id: string };
  };
  const lives = async (vmId: string) =>
    (await cloud.domainLives()).filter((l) => l.vmId === vmId && l.endReason !== 'create_aborted');

  /** Each host's usage is exactly what the claims on it hold. */
  async function expectUsageMatchesClaims() {
    const claims = await cloud.db.allocation.groupBy({
      by: ['hostId'],
      _sum: { vcpus: true, memoryMb: true, diskGb: true },
      _count: true,
    });
    for (const h of await hosts()) {
      const c = claims.find((x) => x.hostId === h.id);
      expect({ host: h.name, ...h.usage }).toEqual({
        host: h.name,
        vcpus: c?._sum.vcpus ?? 0,
        memoryMb: c?._sum.memoryMb ?? 0,
        diskGb: c?._sum.diskGb ?? 0,
        instances: c?._count ?? 0,
      });
    }
  }

  /**
   * The VM is recorded where its domain is: running with the one live domain on its host (or
   * stopped with none), one claim, on that host; and no two of its domains ever ran at once
   * beyond a migration's handover.
   */
  async function expectTruthRecorded(vmId: string) {
    const vm = await vmView(vmId);
    const byName = new Map((await hosts()).map((h) => [h.name, h.id]));
    const all = await lives(vmId);
    const alive = all.filter((l) => !l.endedAt);
    if (vm.state === 'running') {
      expect(alive.map((l) => ({ hostId: byName.get(l.host), domId: l.domId }))).toEqual([
        { hostId: vm.hostId, domId: vm.domId },
      ]);
    } else {
      expect(vm.state).toBe('stopped');
      expect(alive).toEqual([]);
    }
    expect((await cloud.db.allocation.findMany({ where: { vmId } })).map((a) => a.hostId)).toEqual([vm.hostId]);
    const sorted = [...all].sort((a, b) => a.createdAt!.getTime() - b.createdAt!.getTime());
    for (let i = 1; i < sorted.length; i++) {
      const previousEnd = sorted[i - 1]!.endedAt?.getTime() ?? Number.POSITIVE_INFINITY;
      expect(previousEnd - sorted[i]!.createdAt!.getTime()).toBeLessThan(HANDOVER_MS);
    }
    await expectUsageMatchesClaims();
    return vm;
  }

  it('moves a running VM to another host: a new domain there, the claims and usage follow, never two running', async () => {
    const before = await create('mover');
    const sourceUsage = (await hosts()).find((h) => h.id === before.hostId)!.usage;
    const op = await cloud.waitForOperation((await migrate(before.id)).id);
    expect(op).toMatchObject({ status: 'succeeded', progress: 100, step: 'done' });

    const after = await expectTruthRecorded(before.id);
    expect(after).toMatchObject({ state: 'running', powerState: 'running' });
    expect(after.hostId).not.toBe(before.hostId);
    const source = (await hosts()).find((h) => h.id === before.hostId)!;
    expect(source.usage).toEqual({
      ...sourceUsage,
      vcpus: sourceUsage['vcpus']! - 1,
      memoryMb: sourceUsage['memoryMb']! - 128,
      diskGb: sourceUsage['diskGb']! - 1,
      instances: sourceUsage['instances']! - 1,
    });
    const [old, moved] = (await lives(before.id)).sort((a, b) => a.createdAt!.getTime() - b.createdAt!.getTime());
    expect(old).toMatchObject({ domId: before.domId, endReason: 'migrated_out' });
    const epochs = await cloud.db.vm.findUniqueOrThrow({ where: { id: before.id }, select: { epoch: true } });
    expect(moved).toMatchObject({ domId: after.domId, epoch: epochs.epoch, endReason: '' });
    expect(moved!.epoch).toBe(old!.epoch + 1);
    // the operation walked its steps, each recorded
    const events = await cloud.db.event.findMany({
      where: { resourceId: before.id, type: 'vm.state' },
      orderBy: { id: 'asc' },
    });
    expect(events.slice(-2).map((e) => e.data)).toEqual([
      { state: 'migrating', hostId: before.hostId },
      { state: 'running', hostId: after.hostId },
    ]);
  });

  it("takes an operator's chosen target", async () => {
    const vm = await create('chosen');
    const target = (await hosts()).find((h) => h.id !== vm.hostId)!;
    const op = await cloud.waitForOperation((await migrate(vm.id, { targetHostId: target.id, live: false })).id);
    expect(op.status).toBe('succeeded');
    expect((await expectTruthRecorded(vm.id)).hostId).toBe(target.id);
  });

  it('refuses what makes no sense before anything starts: a tenant choosing a host, a stopped VM', async () => {
    const project = await cloud.api.post('/v1/projects', { name: 'migrants' });
    const tenant = cloud.api.withToken(
      (await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 't', role: 'member' })).body.token,
    );
    const created = await tenant.post('/v1/vms', { name: 'tenant-vm', flavor: 'xp.micro', image: 'tiny-pv' });
    await cloud.waitForOperation(created.body.operations[0].id);
    const vmId = created.body.vms[0].id;
    const other = (await hosts()).find((h) => h.id !== created.body.vms[0].hostId)!;
    const operations = await cloud.db.operation.count({ where: { vmId } });

    const chosen = await tenant.post(`/v1/vms/${vmId}/actions`, { action: 'migrate', targetHostId: other.id });
    expect(chosen.status).toBe(400);
    // a tenant may migrate without choosing
    expect(
      (await cloud.waitForOperation((await tenant.post(`/v1/vms/${vmId}/actions`, { action: 'migrate' })).body.id))
        .status,
    ).toBe('succeeded');

    const stop = await tenant.post(`/v1/vms/${vmId}/actions`, { action: 'stop' });
    await cloud.waitForOperation(stop.body.id);
    const stopped = await tenant.post(`/v1/vms/${vmId}/actions`, { action: 'migrate' });
    expect(stopped.status).toBe(409);
    expect(stopped.body.detail).toContain('stopped');
    expect(await cloud.db.operation.count({ where: { vmId } })).toBe(operations + 2);
    expect((await vmView(vmId)).state).toBe('stopped');
  });

  /** The migration fails with no_valid_host and the reason; the VM is where it was, as it was. */
  async function expectRefusedTarget(
    vm: { id: string; hostId: string; domId: number },
    body: Record<string, unknown>,
    reason: RegExp,
  ) {
    const usage = (await hosts()).map((h) => h.usage);
    const op = await cloud.waitForOperation((await migrate(vm.id, body)).id);
    expect(op).toMatchObject({ status: 'failed', error: { code: 'no_valid_host' } });
    expect(op.error.message).toMatch(reason);
    const after = await expectTruthRecorded(vm.id);
    expect(after).toMatchObject({ state: 'running', hostId: vm.hostId, domId: vm.domId });
    expect((await hosts()).map((h) => h.usage)).toEqual(usage);
    expect(await lives(vm.id)).toHaveLength(1);
  }

  it('a target in another pool, down, unknown or the source itself: a clear failure, nothing changed', async () => {
    const vm = await create('stayer');
    const [a, b] = (await hosts()).filter((h) => h.id !== vm.hostId);
    const pool = await cloud.api.post('/v1/pools', { name: 'elsewhere' });
    // no API moves a host between pools: as an operator would by re-enrolling it
    const home = (await cloud.db.host.findUniqueOrThrow({ where: { id: a!.id } })).poolId;
    await cloud.db.host.update({ where: { id: a!.id }, data: { poolId: pool.body.id } });
    try {
      await expectRefusedTarget(
        vm,
        { targetHostId: a!.id },
        new RegExp(`host ${a!.name} cannot take this VM: host is in another pool`),
      );
    } finally {
      await cloud.db.host.update({ where: { id: a!.id }, data: { poolId: home } });
    }

    await (await cloud.simControl(b!.name)).injectFault({ kind: FaultKind.FAULT_KIND_HOST_CUT_OFF });
    await waitFor(
      `${b!.name} suspect`,
      async () => ((await hostNamed(b!.name)).state === 'suspect' ? true : undefined),
      { timeoutMs: 30_000 },
    );
    await expectRefusedTarget(
      vm,
      { targetHostId: b!.id },
      new RegExp(`host ${b!.name} cannot take this VM: host is not up`),
    );
    await (await cloud.simControl(b!.name)).clearFaults();

    await expectRefusedTarget(vm, { targetHostId: '7d4c0a34-8f65-4f3e-9a43-3e4b1e0b7a11' }, /there is no host/);
    await expectRefusedTarget(vm, { targetHostId: vm.hostId }, /the VM already runs on host/);
  });

  it('a full target, or a pool with no room: a clear failure, nothing changed', async () => {
    // six m1.small fill three hosts that each take two
    const res = await cloud.api.post('/v1/vms', { name: 'filler', flavor: 'm1.small', image: 'tiny-pv', count: 6 });
    const ops = await Promise.all(res.body.operations.map((o: { id: string }) => cloud.waitForOperation(o.id)));
    expect(ops.map((o) => o.status)).toEqual(Array(6).fill('succeeded'));
    const vm = await vmView(res.body.vms[0].id);
    const target = (await hosts()).find((h) => h.id !== vm.hostId)!;
    await expectRefusedTarget(
      vm,
      { targetHostId: target.id },
      new RegExp(`host ${target.name} cannot take this VM: not enough free memory`),
    );
    await expectRefusedTarget(
      vm,
      {},
      /no other host of the pool can take this VM \(3 considered: 1 by excluded, 2 by capacity_memory\)/,
    );
    const deletes = await Promise.all(res.body.vms.map((v: { id: string }) => cloud.api.delete(`/v1/vms/${v.id}`)));
    await Promise.all(deletes.map((d) => cloud.waitForOperation(d.body.id)));
  });

  /** Waits until the operation has reached `step` (recorded before its effect). */
  const reached = (opId: string, step: string) =>
    waitFor(
      `operation ${opId} at ${step}`,
      async () => ((await cloud.api.get(`/v1/operations/${opId}`)).body.step === step ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 20,
      },
    );

  /**
   * Waits until the source agent is copying the VM's memory to the target (its log says so once
   * the target accepted): the pages are on the wire, the target holds no domain yet.
   */
  const copying = (vmId: string) =>
    waitFor(
      `the source copying ${vmId}'s memory`,
      async () =>
        cloud
          .agents!.output()
          .split('\n')
          .some((l) => l.includes('"msg":"migrating out: copying memory"') && l.includes(vmId))
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 20 },
    );

  it('SIGKILL of the scheduler mid-migration: the next one finds the domain and ends truthfully', async () => {
    const vm = await create('interrupted');
    const op = await migrate(vm.id);
    await reached(op.id, 'migrating');
    await copying(vm.id); // pages are on the wire
    await cloud.schedulers.at(-1)!.kill();
    await cloud.addScheduler();
    const done = await cloud.waitForOperation(op.id, 90_000);
    expect(done.status).toBe('succeeded');
    const after = await expectTruthRecorded(vm.id);
    expect(after.hostId).not.toBe(vm.hostId);
    // only one operation end was recorded
    const ends = await cloud.db.event.count({
      where: { resourceId: op.id, type: 'operation.status', data: { path: ['status'], equals: 'succeeded' } },
    });
    expect(ends).toBe(1);
  });

  it("the source cut off past the migration's deadline: the migration is tried again once it answers", async () => {
    const vm = await create('patient');
    const source = (await hosts()).find((h) => h.id === vm.hostId)!;
    // longer than the MigrateDomain deadline (2 s + 128 MB twice at 50 MB/s: 7.1 s)
    await (
      await cloud.simControl(source.name)
    ).injectFault({ kind: FaultKind.FAULT_KIND_HOST_CUT_OFF, durationMs: 9_000 });
    const done = await cloud.waitForOperation((await migrate(vm.id)).id, 90_000);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBeGreaterThan(1);
    expect((await expectTruthRecorded(vm.id)).hostId).not.toBe(vm.hostId);
  });

  it('the source cut off for good: the VM stays on it (its domain still runs there), the target claim is released', async () => {
    const vm = await create('stranded');
    const source = (await hosts()).find((h) => h.id === vm.hostId)!;
    await (await cloud.simControl(source.name)).injectFault({ kind: FaultKind.FAULT_KIND_HOST_CUT_OFF });
    const done = await cloud.waitForOperation((await migrate(vm.id)).id, 120_000);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'host_unavailable' } });
    expect(done.error.message).toMatch(/gave up after 4 attempts/);
    await (await cloud.simControl(source.name)).clearFaults();
    await cloud.waitForHosts(3, 'up');
    const after = await expectTruthRecorded(vm.id);
    expect(after).toMatchObject({ state: 'running', hostId: vm.hostId, domId: vm.domId });
  });

  it('the source dies mid-migration, its memory already on the wire: the VM lands on the target, recorded there, no claim leaked', async () => {
    const vm = await create('orphaned');
    const source = (await hosts()).find((h) => h.id === vm.hostId)!;
    const op = await migrate(vm.id);
    await reached(op.id, 'migrating');
    // the target accepted and the copy (2 s) is under way: the domain's memory is the source's
    // call's, not its domain's, so the copy completes and the target starts the domain
    await copying(vm.id);
    // the host dies and comes back empty three seconds later (a reboot)
    await (
      await cloud.simControl(source.name)
    ).injectFault({ kind: FaultKind.FAULT_KIND_HOST_DEAD, durationMs: 3_000 });
    const done = await cloud.waitForOperation(op.id, 120_000);
    expect(done.status).toBe('succeeded');
    await cloud.waitForHosts(3, 'up');
    const after = await expectTruthRecorded(vm.id);
    expect(after).toMatchObject({ state: 'running' });
    expect(after.hostId).not.toBe(vm.hostId);
    // (the source dying before the call reaches it is the next test: the VM ends stopped on its source)
  });

  it('the source dies just before the migration: the domain is gone, the VM ends stopped on its source, nothing held elsewhere', async () => {
    const vm = await create('lost');
    const source = (await hosts()).find((h) => h.id === vm.hostId)!;
    // dead for less than the migration's deadline: the call then finds no domain to move
    await (
      await cloud.simControl(source.name)
    ).injectFault({ kind: FaultKind.FAULT_KIND_HOST_DEAD, durationMs: 3_000 });
    const done = await cloud.waitForOperation((await migrate(vm.id)).id, 120_000);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'agent_error' } });
    expect(done.error.message).toMatch(/the domain runs on neither host/);
    const after = await expectTruthRecorded(vm.id);
    expect(after).toMatchObject({
      state: 'stopped',
      hostId: vm.hostId,
      powerState: 'shutdown',
      error: { code: 'domain_vanished' },
    });
    // it starts again where its claim is
    const start = await cloud.api.post(`/v1/vms/${vm.id}/actions`, { action: 'start' });
    expect((await cloud.waitForOperation(start.body.id)).status).toBe('succeeded');
    expect((await expectTruthRecorded(vm.id)).state).toBe('running');
  });
});
