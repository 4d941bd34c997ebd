import { byRestartPriority, declareDeadRefusal, restartQueued, restartRunning, restartWaiting } from './declare-dead';

const silent = { name: 'xen-4', state: 'unreachable', live: false, heartbeatAgeMs: 90_000 };

describe('declareDeadRefusal', () => {
  it('accepts a silent host named again', () => {
    expect(declareDeadRefusal(silent, 'xen-4')).toBeUndefined();
    expect(declareDeadRefusal({ ...silent, state: 'maintenance' }, 'xen-4')).toBeUndefined();
  });

  it("wants the host's name typed again, before anything else", () => {
    expect(declareDeadRefusal({ ...silent, state: 'down' }, 'xen-5')).toEqual({
      kind: 'invalid',
      field: 'confirm',
      message: "must be the host's name, xen-4",
    });
  });

  it('refuses a host already down, and one that answers heartbeats', () => {
    expect(declareDeadRefusal({ ...silent, state: 'down' }, 'xen-4')).toEqual({
      kind: 'conflict',
      message: 'host xen-4 is already down',
      extra: { state: 'down' },
    });
    expect(declareDeadRefusal({ ...silent, state: 'up', live: true, heartbeatAgeMs: 812.4 }, 'xen-4')).toEqual({
      kind: 'conflict',
      message: 'host xen-4 answers heartbeats (the last 812 ms ago): it is not dead',
      extra: { state: 'up' },
    });
  });
});

describe('byRestartPriority', () => {
  it('puts high priority first, keeping the order within a priority', () => {
    const ops = [
      { id: 'a', p: 'low' },
      { id: 'b', p: 'high' },
      { id: 'c', p: 'medium' },
      { id: 'd', p: 'high' },
    ] as const;
    expect(byRestartPriority(ops, (o) => o.p).map((o) => o.id)).toEqual(['b', 'd', 'c', 'a']);
  });
});

describe('open restarts', () => {
  it('are waiting, running or queued by their step and status', () => {
    expect(restartWaiting({ status: 'running', step: 'waiting_for_capacity' })).toBe(true);
    expect(restartRunning({ status: 'running', step: 'waiting_for_capacity' })).toBe(false);
    expect(restartRunning({ status: 'running', step: 'building' })).toBe(true);
    expect(restartRunning({ status: 'running', step: null })).toBe(false);
    expect(restartQueued({ status: 'running', step: null })).toBe(true);
    expect(restartQueued({ status: 'queued', step: null })).toBe(true);
    expect(restartQueued({ status: 'running', step: 'placing' })).toBe(false);
  });
});
