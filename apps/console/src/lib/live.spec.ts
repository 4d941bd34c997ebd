import type { Vm, XenplaneEvent } from '@xenplane/sdk';
import { applyVmEvent, holdsVm, type InfiniteVms, replaceVm } from './live';

const vm = (id: string, state: Vm['state'], hostId?: string) =>
  ({ id, name: id, state, ...(hostId ? { hostId } : {}), addresses: [] }) as unknown as Vm;
const event = (resourceId: string, data: Record<string, unknown>, type = 'vm.state'): XenplaneEvent => ({
  id: '1',
  type,
  resourceType: 'vm',
  resourceId,
  projectId: null,
  data,
  createdAt: '2026-12-06T00:00:00Z',
});
const cache = (): InfiniteVms => ({
  pages: [{ items: [vm('a', 'building', 'h1')], nextCursor: 'x' }, { items: [vm('b', 'running', 'h1')] }],
  pageParams: [undefined, 'x'],
});

describe('the VM list updated from events', () => {
  it("changes the VM's state and host in place, on whichever page it is", () => {
    const { data, found } = applyVmEvent(cache(), event('b', { state: 'migrating', hostId: 'h2' }));
    expect(found).toBe(true);
    expect(data.pages[1]!.items[0]).toMatchObject({ id: 'b', state: 'migrating', hostId: 'h2' });
    expect(data.pages[0]).toEqual(cache().pages[0]);
  });

  it('drops the host when the event says null (a VM off any host)', () => {
    const { data } = applyVmEvent(cache(), event('a', { state: 'stopped', hostId: null }));
    expect(data.pages[0]!.items[0]!.hostId).toBeUndefined();
    expect(data.pages[0]!.items[0]!.state).toBe('stopped');
  });

  it('says when the list does not hold the VM (then the list is read again), and ignores other events', () => {
    const before = cache();
    expect(applyVmEvent(before, event('zz', { state: 'running' }))).toEqual({ data: before, found: false });
    expect(applyVmEvent(before, event('a', { status: 'running' }, 'operation.status')).found).toBe(false);
  });

  it('replaces a VM with the one just read (addresses included)', () => {
    const read = { ...vm('a', 'running', 'h1'), addresses: [{ ip: '10.0.0.5' }] } as unknown as Vm;
    expect(replaceVm(cache(), read).pages[0]!.items[0]!.addresses).toEqual([{ ip: '10.0.0.5' }]);
  });

  it('tells whether a list holds a VM', () => {
    expect(holdsVm(cache(), 'b')).toBe(true);
    expect(holdsVm(cache(), 'zz')).toBe(false);
  });
});
