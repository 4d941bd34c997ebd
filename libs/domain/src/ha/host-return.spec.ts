import { planHostReturn, type ReturningVm } from './host-return';

describe('planHostReturn', () => {
  const H = 'host-a';
  const vm = (id: string, over: Partial<ReturningVm>): ReturningVm => ({
    id,
    state: 'running',
    hostId: H,
    epoch: 1,
    errorCode: null,
    ...over,
  });
  const running = (vmId: string, epoch = 1) => ({ vmId, epoch, state: 'running' as const });

  it('destroys copies of VMs restarted elsewhere, deleted or unknown, and says why', () => {
    const vms = new Map([
      ['moved', vm('moved', { hostId: 'host-b', epoch: 2, state: 'running' })],
      ['newer', vm('newer', { hostId: H, epoch: 3, state: 'recovering' })],
      ['gone', vm('gone', { state: 'deleted', hostId: null })],
    ]);
    const plan = planHostReturn(
      H,
      [running('moved', 1), running('newer', 2), running('gone'), running('stranger')],
      vms,
    );
    expect(plan.stale).toEqual([
      { vmId: 'moved', epoch: 1, reason: 'its VM is placed on another host', purge: false },
      { vmId: 'newer', epoch: 2, reason: "its epoch 2 is older than the VM's 3", purge: false },
      { vmId: 'gone', epoch: 1, reason: 'its VM was deleted', purge: true },
      { vmId: 'stranger', epoch: 1, reason: 'no VM has this id', purge: true },
    ]);
    expect(plan.adopt).toEqual([]);
  });

  it('adopts back what was not restarted: unprotected VMs stopped for the lost host, restarts not yet placed', () => {
    const vms = new Map([
      ['lost', vm('lost', { state: 'stopped', errorCode: 'host_lost' })],
      ['waiting', vm('waiting', { state: 'recovering', errorCode: 'host_lost' })],
      ['stopped-by-user', vm('stopped-by-user', { state: 'stopped' })],
    ]);
    const plan = planHostReturn(H, [running('lost'), running('waiting'), running('stopped-by-user')], vms);
    expect(plan.adopt).toEqual([
      { vmId: 'lost', epoch: 1 },
      { vmId: 'waiting', epoch: 1 },
    ]);
    expect(plan.stale).toEqual([{ vmId: 'stopped-by-user', epoch: 1, reason: 'its VM is stopped', purge: false }]);
    expect(plan.release).toEqual([]);
  });

  it('adopts nothing that is not alive, and lets a waiting restart go from a host that lost its copy', () => {
    const vms = new Map([
      ['crashed', vm('crashed', { state: 'recovering' })],
      ['fenced', vm('fenced', { state: 'recovering' })],
    ]);
    const plan = planHostReturn(H, [{ vmId: 'crashed', epoch: 1, state: 'crashed' }], vms);
    expect(plan.adopt).toEqual([]);
    expect(plan.release).toEqual(['crashed', 'fenced']);
  });
});
