import { Cloud, type ManagedProcess, waitFor } from '@xenplane/testing';

/** The latest "hosts monitored by this replica" line a scheduler logged. */
function latestShare(p: ManagedProcess): { monitor: string; hosts: number; monitors: number } | undefined {
  const lines = p
    .output()
    .split('\n')
    .filter((l) => l.includes('hosts monitored by this replica'));
  return lines.length ? JSON.parse(lines[lines.length - 1]!) : undefined;
}

const hostStates = async (cloud: Cloud) =>
  ((await cloud.api.get('/v1/hosts')).body.items as { name: string; state: string }[]).map((h) => h.state);

describe('host monitors: each replica polls its share of the hosts', () => {
  describe('two schedulers with every role', () => {
    let cloud: Cloud;
    beforeAll(async () => {
      cloud = await Cloud.start({ hosts: 6, schedulers: 2 });
    });
    afterAll(() => cloud?.stop());

    it('split the hosts between them, and the survivor takes them all when one is killed', async () => {
      const [first, second] = cloud.schedulers as [ManagedProcess, ManagedProcess];
      const shares = await waitFor('both replicas to see each other', async () => {
        const s = [latestShare(first), latestShare(second)];
        return s.every((x) => x?.monitors === 2) ? s : undefined;
      });
      expect(shares[0]!.monitor).not.toBe(shares[1]!.monitor);
      expect(shares[0]!.hosts + shares[1]!.hosts).toBe(6);

      const killedAt = new Date();
      await first.kill();
      await waitFor('the survivor to poll all 6 hosts', async () => {
        const s = latestShare(second);
        return s?.monitors === 1 && s.hosts === 6 ? true : undefined;
      });
      // every host answered the survivor later than the dead timeout (6 s) after the kill: a host
      // left unpolled would have been declared down by then, and would not get here
      const pastDead = new Date(killedAt.getTime() + 7_000);
      await waitFor(
        'a heartbeat of each host more than the dead timeout after the kill',
        async () =>
          (await cloud.db.host.count({ where: { lastHeartbeatAt: { gte: pastDead } } })) === 6 ? true : undefined,
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      expect(await hostStates(cloud)).toEqual(Array(6).fill('up'));
      const downs = await cloud.db.event.findMany({ where: { resourceType: 'host', createdAt: { gte: killedAt } } });
      expect(downs.map((e) => (e.data as { state: string }).state)).not.toContain('down');
      const stale = await cloud.db.host.count({ where: { lastHeartbeatAt: { lt: new Date(Date.now() - 2_000) } } });
      expect(stale).toBe(0);
    });
  });

  describe('the roles apart: a monitor-only and an operations-only scheduler', () => {
    let cloud: Cloud;
    beforeAll(async () => {
      // the first scheduler only monitors: the hosts come up through it alone
      cloud = await Cloud.start({ hosts: 2, schedulerEnv: { SCHEDULER_ROLES: 'monitor' } });
    });
    afterAll(() => cloud?.stop());

    it('a monitor takes no operation; an operations replica builds the VM; the hosts stay up throughout', async () => {
      const res = await cloud.api.post('/v1/vms', { name: 'roles', flavor: 'xp.micro', image: 'tiny-pv' });
      expect(res.status).toBe(202);
      // the job is there to take, and the monitor polled both hosts twice since (a second at
      // heartbeats every 500 ms): a scheduler with an operations worker would have taken it by now
      expect(await cloud.hasQueuedJob(res.body.operations[0].id)).toBe(true);
      const since = new Date(Date.now() + 1_000);
      await waitFor(
        'both hosts polled twice since the create',
        async () =>
          (await cloud.db.host.count({ where: { lastHeartbeatAt: { gte: since } } })) === 2 ? true : undefined,
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      expect((await cloud.api.get(`/v1/vms/${res.body.vms[0].id}`)).body.state).toBe('pending');
      expect((await cloud.api.get(`/v1/operations/${res.body.operations[0].id}`)).body.status).toBe('queued');

      const operations = await cloud.addScheduler({ SCHEDULER_ROLES: 'operations' });
      const vm = await cloud.waitForVmState(res.body.vms[0].id, 'running', 30_000);
      expect(vm.hostId).toBeTruthy();
      expect(latestShare(operations)).toBeUndefined();
      expect(latestShare(cloud.schedulers[0]!)?.hosts).toBe(2);
      expect(await hostStates(cloud)).toEqual(['up', 'up']);
    });
  });
});
