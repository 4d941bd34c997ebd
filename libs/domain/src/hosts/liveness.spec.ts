import { nextHostState } from './liveness';

describe('nextHostState', () => {
  const now = new Date('2026-01-01T00:01:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const base = { now, suspectAfterMs: 6_000, deadAfterMs: 20_000 };

  it('brings an answering host up, from enrolling, suspect or down', () => {
    for (const state of ['enrolling', 'suspect', 'down', 'up'] as const) {
      expect(nextHostState({ ...base, state, lastHeartbeatAt: ago(60_000), answered: true })).toBe('up');
    }
  });

  it('suspects, then declares dead, a silent host', () => {
    expect(nextHostState({ ...base, state: 'up', lastHeartbeatAt: ago(3_000), answered: false })).toBe('up');
    expect(nextHostState({ ...base, state: 'up', lastHeartbeatAt: ago(7_000), answered: false })).toBe('suspect');
    expect(nextHostState({ ...base, state: 'suspect', lastHeartbeatAt: ago(21_000), answered: false })).toBe('down');
    expect(nextHostState({ ...base, state: 'down', lastHeartbeatAt: ago(7_000), answered: false })).toBe('down');
  });

  it('never lets heartbeats override an operator', () => {
    expect(nextHostState({ ...base, state: 'maintenance', lastHeartbeatAt: ago(60_000), answered: false })).toBe('maintenance');
    expect(nextHostState({ ...base, state: 'disabled', lastHeartbeatAt: ago(1), answered: true })).toBe('disabled');
  });

  it('keeps a host that never answered enrolling', () => {
    expect(nextHostState({ ...base, state: 'enrolling', lastHeartbeatAt: null, answered: false })).toBe('enrolling');
  });
});
