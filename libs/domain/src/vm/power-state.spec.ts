import { type HostLiveness, shownPowerState } from './power-state';

const now = 100_000;
const host = (over: Partial<HostLiveness> = {}): HostLiveness => ({
  state: 'up',
  lastHeartbeatAt: new Date(now - 1_000),
  suspectAfterMs: 5_000,
  ...over,
});
const running = { state: 'running' as const, powerState: 'running' };

describe('shownPowerState', () => {
  it('shows the last report while the host answers', () => {
    expect(shownPowerState(running, host(), now)).toBe('running');
    expect(shownPowerState({ state: 'migrating', powerState: 'paused' }, host(), now)).toBe('paused');
  });

  it('does not know while the host is silent past its suspect timeout, or never answered', () => {
    expect(shownPowerState(running, host({ lastHeartbeatAt: new Date(now - 5_000) }), now)).toBe('unknown');
    expect(shownPowerState(running, host({ lastHeartbeatAt: new Date(now - 4_999) }), now)).toBe('running');
    expect(shownPowerState(running, host({ lastHeartbeatAt: null }), now)).toBe('unknown');
  });

  it('does not know while the host is in doubt, whatever its last heartbeat', () => {
    for (const state of ['suspect', 'unreachable', 'down'])
      expect(shownPowerState(running, host({ state }), now)).toBe('unknown');
    expect(shownPowerState(running, host({ state: 'maintenance' }), now)).toBe('running');
  });

  it('keeps the report of a VM whose domain should not run on its host, or with no host', () => {
    for (const state of ['stopped', 'starting', 'building', 'error', 'recovering'] as const) {
      expect(shownPowerState({ state, powerState: 'shutdown' }, host({ state: 'down' }), now)).toBe('shutdown');
    }
    expect(shownPowerState(running, null, now)).toBe('running');
  });
});
