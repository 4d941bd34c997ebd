import { batchNames } from './batch-names';
import { checkAction, VM_ACTIONS } from './vm-actions';
import { isTransitional, VM_STATES } from './vm-state';

describe('checkAction', () => {
  it.each([
    ['start', 'stopped', 'starting'],
    ['stop', 'running', 'stopping'],
    ['reboot', 'running', 'rebooting'],
    ['migrate', 'running', 'migrating'],
    ['delete', 'running', 'deleting'],
    ['delete', 'error', 'deleting'],
    ['delete', 'pending', 'deleting'],
  ] as const)('%s from %s goes via %s', (action, state, via) => {
    expect(checkAction(action, state)).toMatchObject({ ok: true, via });
  });

  it.each([
    ['start', 'running'],
    ['stop', 'stopped'],
    ['reboot', 'stopped'],
    ['stop', 'building'],
    ['delete', 'deleting'],
    ['delete', 'deleted'],
    ['start', 'deleted'],
  ] as const)('refuses %s when %s, naming the state', (action, state) => {
    const r = checkAction(action, state);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(state);
  });

  it('never lets an action start from a transitional state but delete', () => {
    for (const action of VM_ACTIONS.filter((a) => a !== 'delete')) {
      for (const state of VM_STATES.filter(isTransitional)) {
        expect(checkAction(action, state).ok).toBe(false);
      }
    }
  });
});

describe('batchNames', () => {
  it('keeps a single name and numbers a batch', () => {
    expect(batchNames('ci', 1)).toEqual(['ci']);
    expect(batchNames('ci', 3)).toEqual(['ci-1', 'ci-2', 'ci-3']);
  });
});
