// The periodic comparison of what Postgres says with what each host reports: every kind of
// disagreement has one defined outcome, and this checks the state each one leaves behind.
import { randomUUID } from 'node:crypto';
import { DomainState } from '@xenplane/proto';
import { Cloud, testDomainSpec, waitFor } from '@xenplane/testing';
import { usageByHost } from './helpers';

describe('reconciliation', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 2, schedulerEnv: { STUCK_AFTER_MS: '3000' } });
  });
  afterAll(() => cloud?.stop());

  async function runningVm(name: string): Promise<{ id: string; hostName: string; domId: number }> {
    const res = await cloud.api.post('/v1/vms', { name, flavor: 'xp.micro', image: 'tiny-pv' });
    const vm = await cloud.waitForVmState(res.body.vms[0].id, 'running');
    const hosts = (await cloud.api.get('/v1/hosts')).body.items as any[];
    return { id: vm.id, hostName: hosts.find((h) => h.id === vm.hostId).name, domId: vm.domId };
  }

  it('destroys a domain nobody owns, and leaves the owned ones alone', async () => {
    const vm = await runningVm('owned');
    const agent = await cloud.agentClient(vm.hostName);
    const orphan = randomUUID();
    await agent.createDomain({
      spec: testDomainSpec({ vmId: orphan, name: 'stray', disks: [], vifs: [] }),
      startPaused: false,
    });
    await waitFor('the stray domain to be destroyed', async () =>
      (await agent.listDomains({})).domains.some((d) => d.vmId === orphan) ? undefined : true,
    );
    const owned = (await agent.listDomains({})).domains.find((d) => d.vmId === vm.id);
    expect(owned?.domId).toBe(vm.domId);
    expect((await cloud.api.get(`/v1/vms/${vm.id}`)).body).toMatchObject({ state: 'running', domId: vm.domId });
    // the orphan lived once and was destroyed; nothing was recorded for it in Postgres
    const lives = (await cloud.domainLives()).filter((l) => l.vmId === orphan);
    expect(lives).toHaveLength(1);
    expect(lives[0]!.endReason).toBe('destroyed');
    expect(await cloud.db.vm.count({ where: { id: orphan } })).toBe(0);
  });

  it('stops a VM whose domain vanished behind its back, keeping its claim; start brings it back', async () => {
    const vm = await runningVm('vanishing');
    const usage = await usageByHost(cloud);
    const agent = await cloud.agentClient(vm.hostName);
    await agent.destroyDomain({ vmId: vm.id, purgeStorage: false });
    const stopped = await cloud.waitForVmState(vm.id, 'stopped');
    expect(stopped).toMatchObject({ powerState: 'shutdown', error: { code: 'domain_vanished' } });
    expect(stopped.domId).toBeUndefined();
    // a stopped VM keeps its place: the host's usage is what it was
    expect(await usageByHost(cloud)).toEqual(usage);
    const start = await cloud.api.post(`/v1/vms/${vm.id}/actions`, { action: 'start' });
    expect(start.status).toBe(202);
    const back = await cloud.waitForVmState(vm.id, 'running');
    const domain = (await agent.listDomains({})).domains.find((d) => d.vmId === vm.id);
    expect(domain?.state).not.toBe(DomainState.DOMAIN_STATE_SHUTDOWN);
    expect(back.domId).toBe(domain?.domId);
  });

  it('marks a VM held in a transitional state with no operation behind it as stuck', async () => {
    const vm = await runningVm('stuck');
    // as a scheduler that died between two writes, with its operation lost, would leave it
    await cloud.db.vm.update({
      where: { id: vm.id },
      data: { state: 'rebooting', stateChangedAt: new Date(Date.now() - 60_000) },
    });
    const stuck = await cloud.waitForVmState(vm.id, 'error');
    expect(stuck.error).toMatchObject({ code: 'stuck' });
    const events = await cloud.db.event.findMany({
      where: { resourceId: vm.id, type: 'vm.state' },
      orderBy: { id: 'asc' },
    });
    expect(events.at(-1)?.data).toMatchObject({ state: 'error', reason: 'stuck' });
    // the domain itself is left running: an operator (or a delete) decides what becomes of it
    const agent = await cloud.agentClient(vm.hostName);
    expect((await agent.listDomains({})).domains.some((d) => d.vmId === vm.id)).toBe(true);
  });
});
