import {
  nextRestartStep,
  restartLeftCopy,
  restartPlacementLost,
  type RestartView,
  restartTurnWait,
} from './restart-step';

const at = (over: Partial<RestartView>) =>
  nextRestartStep({
    cancelRequested: false,
    opStep: 'placing',
    deadHostId: 'dead',
    vm: { state: 'recovering', hostId: 'dead' },
    ...over,
  });

describe('nextRestartStep', () => {
  it('stops when called off, or when the VM left recovering', () => {
    expect(at({ cancelRequested: true })).toEqual({ kind: 'overtaken', reason: 'the restart was called off' });
    expect(at({ vm: null })).toEqual({ kind: 'overtaken', reason: 'the VM is gone' });
    expect(at({ vm: { state: 'running', hostId: 'dead' } })).toEqual({
      kind: 'overtaken',
      reason: 'the VM is running',
    });
    expect(at({ vm: { state: 'deleting', hostId: 'dead' } })).toEqual({
      kind: 'overtaken',
      reason: 'the VM is deleting',
    });
  });

  it('places a VM still claimed on the dead host', () => {
    expect(at({})).toEqual({ kind: 'place' });
    expect(at({ opStep: 'building' })).toEqual({ kind: 'place' });
    expect(at({ vm: { state: 'recovering', hostId: null } })).toEqual({ kind: 'place' });
  });

  it('builds where an earlier attempt placed it, once the build step is recorded', () => {
    expect(at({ opStep: 'building', vm: { state: 'recovering', hostId: 'new' } })).toEqual({ kind: 'build-here' });
    // claimed elsewhere but the step not recorded: placed again (the claim statement records both)
    expect(at({ opStep: 'placing', vm: { state: 'recovering', hostId: 'new' } })).toEqual({ kind: 'place' });
  });
});

describe('restartPlacementLost', () => {
  it('goes on only with the VM recovering on the host it claimed', () => {
    expect(restartPlacementLost({ state: 'recovering', hostId: 'h1' }, 'h1')).toBeUndefined();
    expect(restartPlacementLost({ state: 'recovering', hostId: 'h2' }, 'h1')).toBe('the VM is recovering');
    expect(restartPlacementLost({ state: 'deleting', hostId: 'h1' }, 'h1')).toBe('the VM is deleting');
    expect(restartPlacementLost(null, 'h1')).toBe('the VM is gone');
  });
});

describe('restartTurnWait', () => {
  it('waits behind restarts of a higher priority', () => {
    expect(restartTurnWait(0)).toBeUndefined();
    expect(restartTurnWait(3)).toBe('3 restarts of a higher priority go first');
  });
});

describe('restartLeftCopy', () => {
  it('destroys what a failed restart built on its new host, never on the dead one', () => {
    expect(restartLeftCopy({ state: 'recovering', hostId: 'new' }, 'dead')).toBe(true);
    expect(restartLeftCopy({ state: 'recovering', hostId: 'dead' }, 'dead')).toBe(false);
    expect(restartLeftCopy({ state: 'recovering', hostId: null }, 'dead')).toBe(false);
    expect(restartLeftCopy({ state: 'running', hostId: 'new' }, 'dead')).toBe(false);
    expect(restartLeftCopy(null, 'dead')).toBe(false);
  });
});
