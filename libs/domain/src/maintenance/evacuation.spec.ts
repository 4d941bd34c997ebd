import { decideEvacuation, type EvacuationAttempt, evacuationProgress, type ResidentVm } from './evacuation';

const vm = (id: string, state: ResidentVm['state'] = 'running', memoryMb = 128): ResidentVm => ({
  id,
  state,
  memoryMb,
});
const attempt = (
  vmId: string,
  status: EvacuationAttempt['status'],
  errorCode: string | null = null,
): EvacuationAttempt => ({
  vmId,
  status,
  errorCode,
  errorMessage: errorCode ? `${errorCode} for ${vmId}` : null,
});

describe('decideEvacuation', () => {
  it('starts the largest running VMs first, no more than the limit', () => {
    const residents = [
      vm('a', 'running', 128),
      vm('b', 'running', 512),
      vm('c', 'running', 256),
      vm('d', 'running', 256),
    ];
    expect(decideEvacuation({ residents, attempts: [], limit: 2 })).toEqual({
      kind: 'start',
      vmIds: ['b', 'c'],
      progress: 0,
    });
  });

  it("counts migrations under way against the limit, ours or anyone else's", () => {
    const residents = [vm('a', 'migrating'), vm('b', 'migrating'), vm('c'), vm('d')];
    // b's migration is an operator's own: it still takes one of the host's migrations
    expect(decideEvacuation({ residents, attempts: [attempt('a', 'running')], limit: 2 })).toEqual({
      kind: 'wait',
      progress: 0,
    });
    expect(decideEvacuation({ residents, attempts: [attempt('a', 'running')], limit: 3 })).toEqual({
      kind: 'start',
      vmIds: ['c'],
      progress: 0,
    });
    // an attempt still queued holds its place though the VM has not entered migrating yet
    expect(decideEvacuation({ residents: [vm('a'), vm('c')], attempts: [attempt('a', 'queued')], limit: 1 }).kind).toBe(
      'wait',
    );
  });

  it('tries each VM once: a failed move is not started again', () => {
    const residents = [vm('a'), vm('b')];
    const step = decideEvacuation({ residents, attempts: [attempt('a', 'failed', 'no_valid_host')], limit: 4 });
    expect(step).toEqual({ kind: 'start', vmIds: ['b'], progress: 0 });
  });

  it('waits for VMs another operation is changing, then moves them if they run', () => {
    expect(decideEvacuation({ residents: [vm('a', 'rebooting')], attempts: [], limit: 4 })).toEqual({
      kind: 'wait',
      progress: 0,
    });
    expect(decideEvacuation({ residents: [vm('a', 'running')], attempts: [], limit: 4 }).kind).toBe('start');
  });

  it('leaves stopped and errored VMs where their disks are', () => {
    expect(decideEvacuation({ residents: [vm('a', 'stopped'), vm('b', 'error')], attempts: [], limit: 4 })).toEqual({
      kind: 'done',
    });
  });

  it('is done when every VM it moved has left and nothing else runs', () => {
    expect(
      decideEvacuation({ residents: [], attempts: [attempt('a', 'succeeded'), attempt('b', 'succeeded')], limit: 1 }),
    ).toEqual({ kind: 'done' });
    expect(decideEvacuation({ residents: [], attempts: [], limit: 1 })).toEqual({ kind: 'done' });
  });

  it('fails naming every VM that could not move, with the code most of them failed with', () => {
    const residents = [vm('a'), vm('b'), vm('c', 'stopped')];
    const attempts = [
      attempt('a', 'failed', 'no_valid_host'),
      attempt('b', 'failed', 'no_valid_host'),
      attempt('c', 'failed', 'agent_error'),
      attempt('d', 'succeeded'),
    ];
    expect(decideEvacuation({ residents, attempts, limit: 4 })).toEqual({
      kind: 'failed',
      code: 'no_valid_host',
      left: [
        { vmId: 'a', code: 'no_valid_host', message: 'no_valid_host for a' },
        { vmId: 'b', code: 'no_valid_host', message: 'no_valid_host for b' },
        { vmId: 'c', code: 'agent_error', message: 'agent_error for c' },
      ],
    });
  });

  it('does not end while a move is still under way, even with failures already known', () => {
    const attempts = [attempt('a', 'failed', 'no_valid_host'), attempt('b', 'running')];
    expect(decideEvacuation({ residents: [vm('a'), vm('b', 'migrating')], attempts, limit: 4 }).kind).toBe('wait');
  });

  it('names a cancelled move as such', () => {
    const step = decideEvacuation({ residents: [vm('a')], attempts: [attempt('a', 'cancelled')], limit: 4 });
    expect(step).toEqual({
      kind: 'failed',
      code: 'cancelled',
      left: [{ vmId: 'a', code: 'cancelled', message: 'the migration was cancelled' }],
    });
  });
});

describe('evacuationProgress', () => {
  it('is the share of the VMs to move that have moved, never 100 before the end', () => {
    expect(evacuationProgress({ residents: [vm('a'), vm('b'), vm('c')], attempts: [attempt('d', 'succeeded')] })).toBe(
      25,
    );
    expect(
      evacuationProgress({
        residents: [vm('c', 'migrating')],
        attempts: [attempt('a', 'succeeded'), attempt('b', 'succeeded')],
      }),
    ).toBe(66);
    expect(evacuationProgress({ residents: [], attempts: [attempt('a', 'succeeded')] })).toBe(99);
    expect(evacuationProgress({ residents: [], attempts: [] })).toBe(0);
  });

  it('does not count stopped VMs, nor a move that ended with the VM still there', () => {
    expect(
      evacuationProgress({ residents: [vm('a', 'stopped'), vm('b')], attempts: [attempt('c', 'succeeded')] }),
    ).toBe(50);
    expect(evacuationProgress({ residents: [vm('a')], attempts: [attempt('a', 'failed', 'no_valid_host')] })).toBe(0);
  });
});
