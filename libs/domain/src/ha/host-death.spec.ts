import { VM_STATES } from '../vm/vm-state';
import { dispositionOnHostDeath, higherPriorities, poolWideSilence } from './host-death';

describe('dispositionOnHostDeath', () => {
  it('restarts protected VMs that were meant to run, stops the unprotected, and leaves those whose operation copes', () => {
    const table = Object.fromEntries(
      VM_STATES.map((state) => [
        state,
        [dispositionOnHostDeath({ state, haPriority: 'high' }), dispositionOnHostDeath({ state, haPriority: 'none' })],
      ]),
    );
    expect(table).toEqual({
      pending: ['leave', 'leave'],
      scheduling: ['leave', 'leave'],
      building: ['leave', 'leave'],
      running: ['restart', 'stop'],
      stopping: ['stop', 'stop'],
      stopped: ['leave', 'leave'],
      starting: ['restart', 'stop'],
      rebooting: ['restart', 'stop'],
      migrating: ['restart', 'stop'],
      recovering: ['leave', 'leave'],
      deleting: ['leave', 'leave'],
      deleted: ['leave', 'leave'],
      error: ['leave', 'leave'],
    });
    for (const p of ['medium', 'low'] as const)
      expect(dispositionOnHostDeath({ state: 'running', haPriority: p })).toBe('restart');
  });
});

describe('restart priorities', () => {
  it('puts high before medium before low', () => {
    expect(higherPriorities('high')).toEqual([]);
    expect(higherPriorities('medium')).toEqual(['high']);
    expect(higherPriorities('low')).toEqual(['high', 'medium']);
  });
});

describe('poolWideSilence', () => {
  const m = (state: 'up' | 'suspect' | 'down' | 'maintenance' | 'disabled' | 'enrolling', live: boolean) => ({
    state,
    live,
  });

  it('is more than half of the voting hosts silent', () => {
    expect(poolWideSilence([m('up', true), m('suspect', false)])).toEqual({ silent: 1, of: 2, partitioned: false });
    expect(poolWideSilence([m('up', true), m('suspect', false), m('suspect', false)])).toEqual({
      silent: 2,
      of: 3,
      partitioned: true,
    });
    expect(poolWideSilence([m('suspect', false)])).toEqual({ silent: 1, of: 1, partitioned: true });
    expect(poolWideSilence([m('up', true), m('up', true), m('suspect', false), m('up', false)]).partitioned).toBe(
      false,
    );
  });

  it('does not count hosts long dead, disabled or enrolling', () => {
    expect(
      poolWideSilence([
        m('up', true),
        m('suspect', false),
        m('down', false),
        m('down', false),
        m('disabled', false),
        m('enrolling', false),
      ]),
    ).toEqual({
      silent: 1,
      of: 2,
      partitioned: false,
    });
  });
});
