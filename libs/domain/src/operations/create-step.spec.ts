import {
  buildGiveUp,
  createCompensation,
  type CreateView,
  hostTried,
  needsLiveness,
  nextCreateStep,
} from './create-step';

const at = (over: Partial<CreateView>) =>
  nextCreateStep({ cancelRequested: false, opStep: 'placing', vm: undefined, ...over });
const vm = (state: NonNullable<CreateView['vm']>['state'], hostId: string | null = null) => ({ state, hostId });

describe('nextCreateStep', () => {
  it('stops at once when a delete asked it to, whatever the VM', () => {
    for (const v of [undefined, null, vm('pending'), vm('building', 'h1')]) {
      expect(at({ cancelRequested: true, vm: v })).toEqual({ kind: 'overtaken', reason: 'the VM is being deleted' });
    }
  });

  it('moves a VM never taken up on without reading it first, reading it when it was not pending', () => {
    expect(at({ opStep: null })).toEqual({ kind: 'schedule', otherwise: 'read' });
    expect(at({ opStep: 'placing' })).toEqual({ kind: 'read' });
  });

  it('moves a pending VM it read to scheduling, and stops if it moved on meanwhile', () => {
    expect(at({ vm: vm('pending') })).toEqual({ kind: 'schedule', otherwise: 'overtaken' });
  });

  it('fails for good when the operation has no VM', () => {
    expect(at({ vm: null })).toEqual({ kind: 'missing' });
  });

  it('stops when the VM is going away', () => {
    expect(at({ vm: vm('deleting') })).toEqual({ kind: 'overtaken', reason: 'the VM is being deleted' });
    expect(at({ vm: vm('deleted') })).toEqual({ kind: 'overtaken', reason: 'the VM is being deleted' });
  });

  it('places a scheduling VM, recording the step unless it is recorded', () => {
    expect(at({ vm: vm('scheduling'), opStep: 'placing' })).toEqual({ kind: 'place', recordStep: false });
    // placed again after a host failed the build: the operation was at building
    expect(at({ vm: vm('scheduling'), opStep: 'building' })).toEqual({ kind: 'place', recordStep: true });
  });

  it('builds a VM placed on a host, recording the step unless it is recorded', () => {
    expect(at({ vm: vm('building', 'h1'), opStep: 'building' })).toEqual({ kind: 'build', recordStep: false });
    expect(at({ vm: vm('building', 'h1'), opStep: 'claimed' })).toEqual({ kind: 'build', recordStep: true });
  });

  it('succeeds when the VM already runs (a build that ended before a crash)', () => {
    expect(at({ vm: vm('running', 'h1') })).toEqual({ kind: 'succeed' });
  });

  it('stops when the VM is anywhere else, naming where', () => {
    expect(at({ vm: vm('building', null) })).toEqual({ kind: 'overtaken', reason: 'the VM is building' });
    expect(at({ vm: vm('error') })).toEqual({ kind: 'overtaken', reason: 'the VM is error' });
    expect(at({ vm: vm('stopped', 'h1') })).toEqual({ kind: 'overtaken', reason: 'the VM is stopped' });
  });

  it('walks a fresh create from pending to its build', () => {
    let view: CreateView = { cancelRequested: false, opStep: null, vm: undefined };
    const steps: string[] = [];
    const moves: Record<string, () => CreateView> = {
      schedule: () => ({ ...view, opStep: 'placing', vm: vm('scheduling') }),
      place: () => ({ ...view, opStep: 'building', vm: vm('building', 'h1') }),
    };
    for (;;) {
      const step = nextCreateStep(view);
      steps.push(step.kind);
      if (!moves[step.kind]) break;
      view = moves[step.kind]!();
    }
    expect(steps).toEqual(['schedule', 'place', 'build']);
  });
});

describe('needsLiveness', () => {
  it('asks about the host only when it timed out or could not be reached', () => {
    expect(needsLiveness('timeout')).toBe(true);
    expect(needsLiveness('unreachable')).toBe(true);
    expect(needsLiveness('refused')).toBe(false);
    expect(needsLiveness('other')).toBe(false);
  });
});

describe('buildGiveUp', () => {
  const when = new Date('2026-01-01T00:00:00Z');
  const tried = [
    hostTried({ id: 'a', name: 'xen-a' }, 'unreachable', 'connect refused', when),
    hostTried({ id: 'b', name: 'xen-b' }, 'refused', 'libxl said no', when),
  ];

  it('lists the hosts a build left, its last error and its code', () => {
    expect(buildGiveUp('build', { code: 'agent_error', message: 'libxl said no' }, tried)).toEqual({
      code: 'agent_error',
      message: 'no host could build the VM (xen-a unreachable, xen-b refused); last: libxl said no',
      details: { hostsTried: tried },
    });
  });

  it('is host_unavailable when the last host could not be reached; a restart says so in its words', () => {
    expect(buildGiveUp('restart', { message: 'deadline exceeded' }, tried)).toEqual({
      code: 'host_unavailable',
      message: 'no host could restart the VM: deadline exceeded',
      details: { hostsTried: tried },
    });
  });
});

describe('hostTried', () => {
  it('keeps the first 500 characters of the message', () => {
    const t = hostTried({ id: 'a', name: 'xen-a' }, 'timeout', 'x'.repeat(600), new Date('2026-01-01T00:00:00Z'));
    expect(t).toEqual({
      hostId: 'a',
      hostName: 'xen-a',
      failure: 'timeout',
      message: 'x'.repeat(500),
      at: '2026-01-01T00:00:00.000Z',
    });
  });
});

describe('createCompensation', () => {
  it('destroys what a host half built, and puts the VM in error', () => {
    expect(createCompensation({ state: 'building', hostId: 'h1' })).toEqual({ destroyOn: 'h1', toError: true });
  });

  it('puts a VM not yet placed in error with nothing to destroy', () => {
    expect(createCompensation({ state: 'pending', hostId: null })).toEqual({ destroyOn: undefined, toError: true });
    expect(createCompensation({ state: 'scheduling', hostId: null })).toEqual({ destroyOn: undefined, toError: true });
  });

  it('leaves alone a VM that runs or went away', () => {
    expect(createCompensation({ state: 'running', hostId: 'h1' })).toEqual({ destroyOn: undefined, toError: false });
    expect(createCompensation({ state: 'deleting', hostId: 'h1' })).toEqual({ destroyOn: undefined, toError: false });
    expect(createCompensation(null)).toEqual({ destroyOn: undefined, toError: false });
  });
});
