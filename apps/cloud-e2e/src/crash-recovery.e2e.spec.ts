import { Cloud, waitFor } from '@xenplane/testing';
import { waitForOperations } from './helpers';

/** Processes die mid-operation: every operation still ends exactly once, no VM runs twice. */
describe('crashes mid-operation', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    // a slow boot and shutdown keep creates and deletes in flight long enough to kill things under
    // them (at 300 ms a loaded machine finished every delete before the kill landed); a long dead
    // timeout (so fence, so watchdog) lets the killed agents come back before their hosts reset, and
    // a long suspect timeout keeps them live meanwhile: builds wait for them rather than fail
    cloud = await Cloud.start({
      hosts: 3,
      agentEnv: { SIM_BOOT_MS: '1500', SIM_SHUTDOWN_MS: '1500' },
      liveness: { suspectAfterMs: 10_000, deadAfterMs: 20_000 },
    });
  });
  afterAll(() => cloud?.stop());
  // each test counts only what it made; what it leaves running is deleted here, not left to the next
  afterEach(async () => {
    const left = await cloud.db.vm.findMany({
      where: { state: { notIn: ['deleting', 'deleted'] } },
      select: { id: true },
    });
    const deletes = await Promise.all(left.map((v) => cloud.api.delete(`/v1/vms/${v.id}`)));
    await waitForOperations(
      cloud,
      deletes.filter((d) => d.status === 202).map((d) => d.body.id),
      120_000,
    );
  });

  /** Creates count VMs and waits until each is running: what a test kills things under. */
  async function runningVms(name: string, count: number): Promise<string[]> {
    const res = await cloud.api.post('/v1/vms', { name, flavor: 'xp.micro', image: 'tiny-pv', count });
    const ops = await waitForOperations(
      cloud,
      res.body.operations.map((o: any) => o.id),
      120_000,
    );
    expect(ops.map((o) => o.status)).toEqual(Array(count).fill('succeeded'));
    return res.body.vms.map((v: any) => v.id);
  }

  /** Until one of the operations is running: a scheduler has taken it and is acting on it. */
  const someRunning = (opIds: string[]) =>
    waitFor(
      'one of the operations running',
      async () =>
        (await cloud.db.operation.count({ where: { id: { in: opIds }, status: 'running' } })) > 0 ? true : undefined,
      {
        timeoutMs: 60_000,
        intervalMs: 20,
      },
    );

  /**
   * Until the scheduler has met the killed agents: one of the operations failed a call to them
   * and waits for its next attempt (recorded as "retrying after: ..."). Only then are they
   * started again, so the test proves a recovery from an outage the control plane saw.
   */
  const retriedAfterAgentsDied = (opIds: string[]) =>
    waitFor(
      'an operation retrying after a call to the killed agents failed',
      async () =>
        (await cloud.db.operation.count({
          where: { id: { in: opIds }, errorMessage: { startsWith: 'retrying after:' } },
        })) > 0
          ? true
          : undefined,
      { timeoutMs: 60_000, intervalMs: 20 },
    );

  async function expectEachVmLivedOnce(vmIds: string[]) {
    const lives = (await cloud.domainLives()).filter((l) => vmIds.includes(l.vmId) && l.endReason !== 'create_aborted');
    const completed = new Map<string, number>();
    for (const l of lives) completed.set(l.vmId, (completed.get(l.vmId) ?? 0) + 1);
    for (const id of vmIds) expect({ id, lives: completed.get(id) ?? 0 }).toEqual({ id, lives: 1 });
  }

  async function operationEndings(opIds: string[]) {
    const events = await cloud.db.event.findMany({ where: { resourceType: 'operation', resourceId: { in: opIds } } });
    const ends = new Map<string, number>();
    for (const e of events) {
      if (['succeeded', 'failed', 'cancelled'].includes((e.data as { status: string }).status))
        ends.set(e.resourceId, (ends.get(e.resourceId) ?? 0) + 1);
    }
    return ends;
  }

  it('SIGKILL of the scheduler while operations are queued and running: all finish, none twice', async () => {
    const res = await cloud.api.post('/v1/vms', { name: 'crash', flavor: 'xp.micro', image: 'tiny-pv', count: 24 });
    const opIds: string[] = res.body.operations.map((o: any) => o.id);
    const vmIds: string[] = res.body.vms.map((v: any) => v.id);
    // some are building on the hosts, some still queued
    await cloud.waitForHosts(3);
    await waitFor(
      'one of the 24 VMs building',
      async () =>
        (await cloud.db.vm.count({ where: { id: { in: vmIds }, state: 'building' } })) > 0 ? true : undefined,
      {
        timeoutMs: 60_000,
        intervalMs: 20,
      },
    );
    await cloud.schedulers[0]!.kill();
    const open = await cloud.db.operation.count({
      where: { id: { in: opIds }, status: { in: ['queued', 'running'] } },
    });
    await cloud.addScheduler();
    expect(open).toBeGreaterThan(0);

    const ops = await waitForOperations(cloud, opIds, 120_000);
    expect(ops.map((o) => o.status)).toEqual(Array(24).fill('succeeded'));
    expect(await cloud.db.vm.count({ where: { id: { in: vmIds }, state: 'running' } })).toBe(24);
    const ends = await operationEndings(opIds);
    for (const id of opIds) expect({ id, ends: ends.get(id) }).toEqual({ id, ends: 1 });
    await expectEachVmLivedOnce(vmIds);
    // claims match the VMs exactly
    expect(await cloud.db.allocation.count({ where: { vmId: { in: vmIds } } })).toBe(24);
  });

  it('SIGKILL of the scheduler mid-delete: the deletes finish and free everything', async () => {
    const vms = (await runningVms('crash-delete', 10)).map((id) => ({ id }));
    const deletes = await Promise.all(vms.map((v) => cloud.api.delete(`/v1/vms/${v.id}`)));
    const opIds: string[] = deletes.map((d) => d.body.id);
    await someRunning(opIds);
    await cloud.schedulers[cloud.schedulers.length - 1]!.kill();
    // killed mid-delete: some were still open (a scheduler again whatever this says: the next
    // tests need one)
    const open = await cloud.db.operation.count({
      where: { id: { in: opIds }, status: { in: ['queued', 'running'] } },
    });
    await cloud.addScheduler();
    expect(open).toBeGreaterThan(0);
    const done = await waitForOperations(
      cloud,
      deletes.map((d) => d.body.id),
      120_000,
    );
    expect(done.map((o) => o.status)).toEqual(Array(10).fill('succeeded'));
    expect(await cloud.db.allocation.count({ where: { vmId: { in: vms.map((v) => v.id) } } })).toBe(0);
    const lives = (await cloud.domainLives()).filter((l) => vms.some((v) => v.id === l.vmId));
    expect(lives.every((l) => l.endedAt)).toBe(true);
  });

  it('SIGKILL of the agents mid-create: the creates finish once the agents are back, none twice', async () => {
    // VMs already running when the agents die: Xen outlives its agent, they must still run after
    const bystanders = await runningVms('bystander', 3);
    const res = await cloud.api.post('/v1/vms', {
      name: 'agent-crash',
      flavor: 'xp.micro',
      image: 'tiny-pv',
      count: 9,
    });
    const opIds: string[] = res.body.operations.map((o: any) => o.id);
    const vmIds: string[] = res.body.vms.map((v: any) => v.id);
    // mid-create: every VM placed and being built (a scheduler just restarted by the test before
    // may take a moment to pick them up; with every host cut off, placing would fail, rightly)
    await waitFor(
      'all 9 VMs placed, some building',
      async () => {
        const placed = await cloud.db.vm.count({
          where: { id: { in: vmIds }, state: { in: ['building', 'running'] } },
        });
        const building = await cloud.db.vm.count({ where: { id: { in: vmIds }, state: 'building' } });
        return placed === 9 && building > 0 ? true : undefined;
      },
      { intervalMs: 20 },
    );
    await cloud.agents!.kill();
    await retriedAfterAgentsDied(opIds);
    cloud.agents!.start();
    const ops = await waitForOperations(cloud, opIds, 120_000);
    // the whole operation when one did not succeed: its error says why
    expect(ops.filter((o) => o.status !== 'succeeded')).toEqual([]);
    await expectEachVmLivedOnce(vmIds);
    // the VMs that were running before the agents died are still running: Xen outlived its agent
    expect(await cloud.db.vm.count({ where: { id: { in: bystanders }, state: 'running' } })).toBe(3);
    expect((await cloud.domainLives()).filter((l) => bystanders.includes(l.vmId) && !l.endedAt)).toHaveLength(3);
  });

  it('SIGKILL of the agents mid-delete: the deletes finish once the agents are back', async () => {
    const vms = (await runningVms('agent-delete', 9)).map((id) => ({ id }));
    await cloud.schedulers.at(-1)!.stop();
    const deletes = await Promise.all(vms.map((v) => cloud.api.delete(`/v1/vms/${v.id}`)));
    const opIds: string[] = deletes.map((d) => d.body.id);
    await cloud.addScheduler();
    // the new scheduler is at the deletes when the agents die, and fails a call to them before they are back
    await someRunning(opIds);
    await cloud.agents!.kill();
    await retriedAfterAgentsDied(opIds);
    cloud.agents!.start();
    const done = await waitForOperations(
      cloud,
      deletes.map((d) => d.body.id),
      120_000,
    );
    expect(done.map((o) => o.status)).toEqual(Array(vms.length).fill('succeeded'));
    const alive = (await cloud.domainLives()).filter((l) => vms.some((v) => v.id === l.vmId) && !l.endedAt);
    expect(alive).toEqual([]);
  });
});
