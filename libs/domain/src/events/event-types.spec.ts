import { EVENT_TYPES, eventMatches, parseEventTypes } from './event-types';

const VM = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

describe('parseEventTypes', () => {
  it('reads a comma list of known types, once each', () => {
    expect(parseEventTypes('vm.state')).toEqual({ types: ['vm.state'] });
    expect(parseEventTypes('vm.state, operation.status,vm.state')).toEqual({
      types: ['vm.state', 'operation.status'],
    });
    expect(parseEventTypes(EVENT_TYPES.join(','))).toEqual({ types: [...EVENT_TYPES] });
  });

  it('names every type it does not know, and refuses empty items', () => {
    expect(parseEventTypes('vm.state,vm.nope,host')).toEqual({ unknown: ['vm.nope', 'host'] });
    expect(parseEventTypes('')).toEqual({ unknown: [''] });
    expect(parseEventTypes('vm.state,')).toEqual({ unknown: [''] });
    expect(parseEventTypes('VM.STATE')).toEqual({ unknown: ['VM.STATE'] });
  });
});

describe('eventMatches', () => {
  const vmState = { type: 'vm.state', resourceType: 'vm', resourceId: VM, data: { state: 'running', hostId: null } };
  const opOfVm = {
    type: 'operation.status',
    resourceType: 'operation',
    resourceId: OTHER,
    data: { kind: 'delete', status: 'running', progress: 0, vmId: VM, errorCode: null },
  };
  const opOfNone = { ...opOfVm, data: { ...opOfVm.data, vmId: null } };
  const hostState = { type: 'host.state', resourceType: 'host', resourceId: OTHER, data: { state: 'up', name: 'h' } };
  const otherVm = { ...vmState, resourceId: OTHER };

  it('lets everything through when nothing is asked', () => {
    for (const e of [vmState, opOfVm, opOfNone, hostState]) expect(eventMatches({}, e)).toBe(true);
  });

  it("keeps a VM's own events and the operations naming it, nothing else", () => {
    const f = { vmId: VM };
    expect(eventMatches(f, vmState)).toBe(true);
    expect(eventMatches(f, opOfVm)).toBe(true);
    expect(eventMatches(f, opOfNone)).toBe(false);
    expect(eventMatches(f, otherVm)).toBe(false);
    expect(eventMatches(f, hostState)).toBe(false);
    // a host whose resourceId happened to equal the VM's is not the VM
    expect(eventMatches(f, { ...hostState, resourceId: VM })).toBe(false);
    expect(eventMatches(f, { ...hostState, data: null })).toBe(false);
  });

  it('keeps the types asked for, and ANDs them with the VM', () => {
    expect(eventMatches({ types: ['vm.state'] }, vmState)).toBe(true);
    expect(eventMatches({ types: ['vm.state'] }, opOfVm)).toBe(false);
    expect(eventMatches({ types: ['operation.status'], vmId: VM }, opOfVm)).toBe(true);
    expect(eventMatches({ types: ['operation.status'], vmId: VM }, vmState)).toBe(false);
    expect(eventMatches({ types: ['vm.state'], vmId: OTHER }, vmState)).toBe(false);
  });
});
