import { Cloud, FAST_LIVENESS, type HostProcess, waitFor } from '@xenplane/testing';
import { waitForOperations, witnessesKnown } from './helpers';

/**
 * HA under real network cuts (TCP links the test controls between the control plane, each host
 * and its pool peers). Quorum fencing decides: a host cut off from everything fences itself and
 * its VMs restart elsewhere, never two at once; a host only the control plane lost keeps its
 * VMs, shown unreachable. The simulated hosts' records of every domain's life are the judge.
 */
describe('HA under network partitions', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 0, agentEnv: { SIM_BOOT_MS: '100' } });
  });
  afterAll(() => cloud?.stop());

  async function poolOf(
    name: string,
    hostEnv: Record<string, string> = {},
  ): Promise<{ poolId: string; hosts: HostProcess[] }> {
    const res = await cloud.api.post('/v1/pools', { name, ...FAST_LIVENESS });
    expect(res.status).toBe(201);
    const poolId = res.body.id as string;
    const hosts = [];
    for (let i = 1; i <= 3; i++)
      hosts.push(await cloud.addHost(`${name}-${i}`, { poolId, env: i === 1 ? hostEnv : {} }));
    // the host view says where peers reach each agent: its own pool link, not the control plane's
    for (const h of hosts) {
      const view = (await cloud.api.get(`/v1/hosts/${h.id}`)).body;
      expect(view).toMatchObject({ address: h.controlPlaneLink.address, peerAddress: h.peerLink.address });
      expect(view.peerAddress).not.toBe(view.address);
    }
    return { poolId, hosts };
  }
  /** VMs created while only the first host takes them (the others are put in maintenance meanwhile). */
  async function onFirst(hosts: HostProcess[], poolId: string, body: Record<string, unknown>): Promise<string[]> {
    for (const h of hosts.slice(1))
      expect((await cloud.api.post(`/v1/hosts/${h.id}/maintenance`, { evacuate: false })).status).toBe(200);
    const res = await cloud.api.post('/v1/vms', { flavor: 'xp.micro', image: 'tiny-pv', poolId, ...body });
    expect(res.status).toBe(202);
    await waitForOperations(
      cloud,
      res.body.operations.map((o: any) => o.id),
    );
    for (const h of hosts.slice(1)) expect((await cloud.api.post(`/v1/hosts/${h.id}/enable`)).status).toBe(200);
    const ids: string[] = res.body.vms.map((v: any) => v.id);
    expect(
      (await cloud.db.vm.findMany({ where: { id: { in: ids } } })).every(
        (v) => v.hostId === hosts[0]!.id && v.state === 'running',
      ),
    ).toBe(true);
    return ids;
  }
  const lives = async (ids: string[], hosts: HostProcess[]) =>
    (await cloud.domainLives({ hosts: hosts.map((h) => h.name) })).filter((l) => ids.includes(l.vmId));

  function expectNeverTwo(all: Awaited<ReturnType<typeof lives>>, ids: string[]) {
    for (const id of ids) {
      const mine = all
        .filter((l) => l.vmId === id && l.endReason !== 'create_aborted')
        .sort((a, b) => a.createdAt!.getTime() - b.createdAt!.getTime());
      expect({ id, alive: mine.filter((l) => !l.endedAt).length }).toEqual({ id, alive: 1 });
      for (let i = 1; i < mine.length; i++)
        expect({ id, overlap: mine[i - 1]!.endedAt!.getTime() <= mine[i]!.createdAt!.getTime() }).toEqual({
          id,
          overlap: true,
        });
    }
  }

  it('a host cut off from the control plane and its peers fences itself; its VMs restart elsewhere, never two at once; healed, it is up again', async () => {
    const { poolId, hosts } = await poolOf('island');
    const [island] = hosts as [HostProcess];
    const ids = await onFirst(hosts, poolId, { name: 'island-p', haPriority: 'high', count: 4 });
    await witnessesKnown(
      cloud,
      hosts.map((h) => h.id),
      2,
    );
    island.cut('all');
    const restarted = await waitFor(
      'the VMs running elsewhere',
      async () => {
        const rows = await cloud.db.vm.findMany({ where: { id: { in: ids } } });
        return rows.every((v) => v.state === 'running' && v.hostId !== island.id) ? rows : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(restarted.map((v) => v.epoch)).toEqual([2, 2, 2, 2]);
    const down = await cloud.db.event.findFirst({
      where: { resourceId: island.id, type: 'host.state', data: { path: ['state'], equals: 'down' } },
    });
    expect((down!.data as any).reason).toMatch(/2 of its 2 witnesses cannot reach it/);
    // the island fenced: its copies ended (by its own fence) before the new ones began
    const all = await lives(ids, hosts);
    expect(all.filter((l) => l.host === island.name).map((l) => l.endReason)).toEqual([
      'destroyed',
      'destroyed',
      'destroyed',
      'destroyed',
    ]);
    expectNeverTwo(all, ids);

    island.heal();
    await waitFor(
      'island up again',
      async () =>
        (await cloud.db.host.findUniqueOrThrow({ where: { id: island.id } })).state === 'up' ? true : undefined,
      { timeoutMs: 30_000 },
    );
    expectNeverTwo(await lives(ids, hosts), ids);
  });

  it('without its fence, a cut-off host keeps stale copies: healed, it destroys them by epoch and adopts back what was not restarted', async () => {
    const { poolId, hosts } = await poolOf('nofence', { AGENT_SELF_FENCE: 'false' });
    const [rogue] = hosts as [HostProcess];
    const guarded = await onFirst(hosts, poolId, { name: 'nofence-p', haPriority: 'medium', count: 2 });
    const plain = await onFirst(hosts, poolId, { name: 'nofence-u', count: 2 });
    await witnessesKnown(
      cloud,
      hosts.map((h) => h.id),
      2,
    );
    rogue.cut('all');
    await waitFor(
      'the protected VMs running elsewhere',
      async () => {
        const rows = await cloud.db.vm.findMany({ where: { id: { in: guarded } } });
        return rows.every((v) => v.state === 'running' && v.hostId !== rogue.id) ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect((await cloud.db.vm.findMany({ where: { id: { in: plain } } })).map((v) => [v.state, v.errorCode])).toEqual([
      ['stopped', 'host_lost'],
      ['stopped', 'host_lost'],
    ]);
    // no fence: the old copies still run on the cut-off host (what the fence exists to prevent)
    const before = await lives(guarded, hosts);
    expect(before.filter((l) => l.host === rogue.name && !l.endedAt)).toHaveLength(2);

    rogue.heal();
    await waitFor(
      'rogue up again',
      async () =>
        (await cloud.db.host.findUniqueOrThrow({ where: { id: rogue.id } })).state === 'up' ? true : undefined,
      { timeoutMs: 30_000 },
    );
    const after = await lives([...guarded, ...plain], hosts);
    // the stale copies (epoch 1, restarted as epoch 2 elsewhere) are gone, with an event each
    expect(after.filter((l) => l.host === rogue.name && guarded.includes(l.vmId) && !l.endedAt)).toEqual([]);
    const events = await cloud.db.event.findMany({
      where: { type: 'vm.stale_copy_destroyed', resourceId: { in: guarded } },
    });
    expect(events.map((e) => [(e.data as any).host, (e.data as any).epoch]).sort()).toEqual([
      [rogue.name, 1],
      [rogue.name, 1],
    ]);
    // the unprotected VMs it still ran are adopted back, running there, their claims where they are
    const adopted = await cloud.db.vm.findMany({ where: { id: { in: plain } }, include: { allocations: true } });
    expect(adopted.map((v) => [v.state, v.hostId, v.allocations.map((a) => a.hostId)])).toEqual(
      Array(2).fill(['running', rogue.id, [rogue.id]]),
    );
    expect(after.filter((l) => plain.includes(l.vmId) && !l.endedAt).map((l) => l.host)).toEqual([
      rogue.name,
      rogue.name,
    ]);
  });

  it('a host only the control plane lost is unreachable, not dead: nothing restarted, its VMs keep running', async () => {
    const { poolId, hosts } = await poolOf('lonely');
    const [lonely] = hosts as [HostProcess];
    const ids = await onFirst(hosts, poolId, { name: 'lonely-p', haPriority: 'high', count: 3 });
    await witnessesKnown(
      cloud,
      hosts.map((h) => h.id),
      2,
    );
    const opsBefore = await cloud.db.operation.count();
    lonely.cut('control-plane');
    await waitFor(
      'lonely unreachable',
      async () =>
        (await cloud.db.host.findUniqueOrThrow({ where: { id: lonely.id } })).state === 'unreachable'
          ? true
          : undefined,
      {
        timeoutMs: 30_000,
      },
    );
    const alert = await cloud.db.event.findFirst({
      where: { resourceId: lonely.id, type: 'host.state', data: { path: ['state'], equals: 'unreachable' } },
    });
    expect(alert).not.toBeNull();
    // well past the dead timeout and several fence timeouts: it kept its VMs (its witnesses answer it)
    const watched = Date.now() + 2 * FAST_LIVENESS.deadAfterMs;
    await waitFor(
      'a heartbeat of a peer well after',
      async () => {
        const h = await cloud.db.host.findUniqueOrThrow({ where: { id: hosts[1]!.id } });
        return h.lastHeartbeatAt && h.lastHeartbeatAt.getTime() > watched ? true : undefined;
      },
      { timeoutMs: 40_000 },
    );
    expect((await cloud.db.host.findUniqueOrThrow({ where: { id: lonely.id } })).state).toBe('unreachable');
    expect(await cloud.db.operation.count()).toBe(opsBefore);
    const still = await lives(ids, hosts);
    expect(still.filter((l) => !l.endedAt).map((l) => l.host)).toEqual([lonely.name, lonely.name, lonely.name]);
    expect((await cloud.api.get(`/v1/vms/${ids[0]}`)).body.powerState).toBe('unknown');

    lonely.heal();
    await waitFor(
      'lonely up',
      async () =>
        (await cloud.db.host.findUniqueOrThrow({ where: { id: lonely.id } })).state === 'up' ? true : undefined,
      { timeoutMs: 30_000 },
    );
    expect((await cloud.db.vm.findMany({ where: { id: { in: ids } } })).map((v) => [v.state, v.hostId])).toEqual(
      Array(3).fill(['running', lonely.id]),
    );
  });
});
