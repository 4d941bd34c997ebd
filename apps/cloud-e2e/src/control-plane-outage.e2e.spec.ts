import { FaultKind } from '@xenplane/proto';
import { Cloud, FAST_LIVENESS, waitFor } from '@xenplane/testing';
import { waitForOperations, witnessesKnown } from './helpers';

/**
 * The control plane itself goes away for longer than the dead timeout (Ctrl-C, a crash, an
 * upgrade) and comes back to a database whose host rows still say `up`. Liveness is a fact with
 * an age: nothing in the database proves a host alive or dead, only fresh heartbeats do.
 */
describe('a control plane back from an outage', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 3, agentEnv: { SIM_BOOT_MS: '50' } });
  });
  afterAll(() => cloud?.stop());

  const hosts = async () => new Map(((await cloud.api.get('/v1/hosts')).body.items as any[]).map((h) => [h.name, h]));
  const hostEventsSince = (since: Date) =>
    cloud.db.event.findMany({ where: { resourceType: 'host', createdAt: { gte: since } }, orderBy: { id: 'asc' } });

  /** Stops the API and every scheduler, and waits (on the database's clock) until the hosts' heartbeats are older than the dead timeout. */
  async function outage(): Promise<void> {
    await Promise.all([cloud.apiProcess!.stop(), ...cloud.schedulers.map((s) => s.stop())]);
    await waitFor(
      'every heartbeat older than the dead timeout',
      async () => {
        const [row] = await cloud.db.$queryRaw<
          { youngest: number }[]
        >`SELECT min(extract(epoch FROM now() - last_heartbeat_at) * 1000)::float8 AS youngest FROM hosts`;
        return row!.youngest > FAST_LIVENESS.deadAfterMs + 500 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  }

  async function restart(): Promise<Date> {
    const at = new Date();
    cloud.apiProcess!.start();
    for (const s of cloud.schedulers) s.start();
    await waitFor('the API', async () => ((await cloud.api.get('/readyz')).status === 200 ? true : undefined), {
      timeoutMs: 60_000,
    });
    return at;
  }

  it('declares no host dead, stops no VM and restarts none when every host is alive; protected VMs outlive their fence timeout (their peers vouch)', async () => {
    const plain = await cloud.api.post('/v1/vms', { name: 'outlive', flavor: 'xp.micro', image: 'tiny-pv', count: 6 });
    const guarded = await cloud.api.post('/v1/vms', {
      name: 'guarded',
      flavor: 'xp.micro',
      image: 'tiny-pv',
      count: 6,
      haPriority: 'high',
    });
    await waitForOperations(
      cloud,
      [...plain.body.operations, ...guarded.body.operations].map((o: any) => o.id),
    );
    const vmIds: string[] = [...plain.body.vms, ...guarded.body.vms].map((v: any) => v.id);
    const hostIds = (await cloud.db.host.findMany()).map((h) => h.id);
    await witnessesKnown(cloud, hostIds, 2);
    const opsBefore = await cloud.db.operation.count();

    await outage();
    const back = await restart();
    // a full dead timeout of watching, and then some: every host answered all along
    const watched = new Date(back.getTime() + FAST_LIVENESS.deadAfterMs + 1_000);
    await waitFor(
      'heartbeats a dead timeout after the restart',
      async () =>
        (await cloud.db.host.count({ where: { lastHeartbeatAt: { gt: watched } } })) === 3 ? true : undefined,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const events = await hostEventsSince(back);
    expect(events.map((e) => `${(e.data as any).name}:${(e.data as any).state}`)).toEqual([]);
    expect([...(await hosts()).values()].map((h) => [h.state, h.live])).toEqual(Array(3).fill(['up', true]));
    const vms = await cloud.db.vm.findMany({ where: { id: { in: vmIds } } });
    expect(vms.map((v) => v.state)).toEqual(Array(12).fill('running'));
    // the control plane started nothing on its own: no stop, no restart
    expect(await cloud.db.operation.count()).toBe(opsBefore);
    // not one domain ended: the protected ones' agents asked their witnesses when their lease
    // ran out during the outage, and kept them
    const lives = (await cloud.domainLives()).filter((l) => vmIds.includes(l.vmId));
    expect(lives.filter((l) => !l.endedAt)).toHaveLength(12);
    expect(lives).toHaveLength(12);
    expect(await cloud.db.event.count({ where: { resourceId: { in: vmIds }, createdAt: { gte: back } } })).toBe(0);
  });

  it('places nothing on a host that stayed silent, and declares it dead only after watching it for the dead timeout', async () => {
    const silent = (await hosts()).get('sim-3')!;
    const control = await cloud.simControl('sim-3');
    await outage();
    // sim-3's agent stops answering while nobody watches; its row still says up
    await control.injectFault({ kind: FaultKind.FAULT_KIND_HOST_CUT_OFF });
    expect((await cloud.db.host.findUniqueOrThrow({ where: { id: silent.id } })).state).toBe('up');
    const back = await restart();

    // the first creates after the restart: every one lands on a host that answers
    await waitFor('sim-1 and sim-2 heard from', async () => {
      const h = await hosts();
      return h.get('sim-1')!.live && h.get('sim-2')!.live ? true : undefined;
    });
    const res = await cloud.api.post('/v1/vms', { name: 'after', flavor: 'xp.micro', image: 'tiny-pv', count: 6 });
    const ops = await waitForOperations(
      cloud,
      res.body.operations.map((o: any) => o.id),
    );
    expect(ops.map((o) => o.status)).toEqual(Array(6).fill('succeeded'));
    const placed = await cloud.db.vm.findMany({ where: { id: { in: res.body.vms.map((v: any) => v.id) } } });
    expect(placed.filter((v) => v.hostId === silent.id)).toEqual([]);
    // no create so much as tried the silent host
    expect(await cloud.db.operation.count({ where: { id: { in: ops.map((o) => o.id) }, attempts: { gt: 1 } } })).toBe(
      0,
    );

    // in doubt at once, dead only once the control plane has watched it silent for the dead timeout
    const down = await waitFor(
      'sim-3 down',
      async () => ((await hosts()).get('sim-3')!.state === 'down' ? true : undefined),
      { timeoutMs: 30_000 },
    );
    expect(down).toBe(true);
    const events = (await hostEventsSince(back)).filter((e) => e.resourceId === silent.id);
    expect(events.map((e) => (e.data as any).state)).toEqual(['suspect', 'down']);
    expect(events[1]!.createdAt.getTime() - back.getTime()).toBeGreaterThanOrEqual(FAST_LIVENESS.deadAfterMs);
    await control.clearFaults();
  });
});
