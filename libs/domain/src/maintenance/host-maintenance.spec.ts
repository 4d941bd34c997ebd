import { HOST_STATES } from '../hosts/liveness';
import { enableTransition, maintenanceTransition } from './host-maintenance';

describe('maintenanceTransition', () => {
  it('takes a host that answers into maintenance, again if it is already there', () => {
    expect(maintenanceTransition('up')).toEqual({ ok: true, to: 'maintenance', changes: true });
    expect(maintenanceTransition('disabled')).toEqual({ ok: true, to: 'maintenance', changes: true });
    expect(maintenanceTransition('maintenance')).toEqual({ ok: true, to: 'maintenance', changes: false });
  });

  it('refuses a host heartbeats say is not there, naming its state', () => {
    for (const state of ['enrolling', 'suspect', 'unreachable', 'down'] as const) {
      expect(maintenanceTransition(state)).toEqual({
        ok: false,
        reason: `cannot put a host that is ${state} into maintenance`,
      });
    }
  });
});

describe('enableTransition', () => {
  it('returns operator states to up, and leaves an up host as it is', () => {
    expect(enableTransition('maintenance')).toEqual({ ok: true, to: 'up', changes: true });
    expect(enableTransition('disabled')).toEqual({ ok: true, to: 'up', changes: true });
    expect(enableTransition('up')).toEqual({ ok: true, to: 'up', changes: false });
  });

  it('refuses every other state', () => {
    const refused = HOST_STATES.filter((s) => !enableTransition(s).ok);
    expect(refused).toEqual(['enrolling', 'suspect', 'unreachable', 'down']);
  });
});
