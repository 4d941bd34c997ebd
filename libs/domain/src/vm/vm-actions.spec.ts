import {
  actionParamsRefusal,
  actionRefusal,
  actionRoleRefusal,
  actionRule,
  actionsAllowedIn,
  checkAction,
  repeatedDeleteAnswer,
  statesAllowing,
  updateRefusal,
  VM_ACTION_TABLE,
  VM_ACTIONS,
  type VmAction,
} from './vm-actions';
import { VM_STATES, type VmState } from './vm-state';

// The whole table, written out again by hand: a change to what the API allows shows up here.
// A cell is the operation the action starts, or '-' for a 409.
const EXPECTED = `
            start  stop  reboot  migrate  delete
pending     -      -     -       -        delete
scheduling  -      -     -       -        delete
building    -      -     -       -        delete
running     -      stop  reboot  migrate  delete
stopping    -      -     -       -        -
stopped     start  -     -       -        delete
starting    -      -     -       -        -
rebooting   -      -     -       -        -
migrating   -      -     -       -        -
recovering  -      -     -       -        delete
deleting    -      -     -       -        -
deleted     -      -     -       -        -
error       -      -     -       -        delete
`;

const [header, ...rows] = EXPECTED.trim()
  .split('\n')
  .map((line) => line.trim().split(/\s+/));
const expected = new Map(rows.map(([state, ...cells]) => [state, new Map(cells.map((c, i) => [header![i], c]))]));
const VIA: Record<VmAction, [VmState, VmState]> = {
  start: ['starting', 'running'],
  stop: ['stopping', 'stopped'],
  reboot: ['rebooting', 'running'],
  migrate: ['migrating', 'running'],
  delete: ['deleting', 'deleted'],
};

describe('the VM action table', () => {
  it('covers every state and every action, and nothing else', () => {
    expect(Object.keys(VM_ACTION_TABLE).sort()).toEqual([...VM_STATES].sort());
    expect([...expected.keys()].sort()).toEqual([...VM_STATES].sort());
    expect(header).toEqual([...VM_ACTIONS]);
    for (const state of VM_STATES) expect(Object.keys(VM_ACTION_TABLE[state]).sort()).toEqual([...VM_ACTIONS].sort());
  });

  const cells = VM_STATES.flatMap((state) => VM_ACTIONS.map((action) => [state, action] as const));
  it.each(cells)('%s × %s', (state, action) => {
    const want = expected.get(state)!.get(action)!;
    const check = checkAction(action, state);
    if (want === '-') {
      expect(check).toEqual({ ok: false, status: 409, reason: `cannot ${action} a VM that is ${state}` });
    } else {
      const [via, to] = VIA[action];
      expect(check).toEqual({ ok: true, operation: want, via, to });
    }
  });
});

describe('actionsAllowedIn', () => {
  it('lists, per state, the actions whose cell starts an operation, in VM_ACTIONS order', () => {
    for (const state of VM_STATES)
      expect(actionsAllowedIn(state)).toEqual(VM_ACTIONS.filter((a) => expected.get(state)!.get(a) !== '-'));
    expect(actionsAllowedIn('running')).toEqual(['stop', 'reboot', 'migrate', 'delete']);
    expect(actionsAllowedIn('stopped')).toEqual(['start', 'delete']);
    expect(actionsAllowedIn('deleting')).toEqual([]);
  });
});

describe('statesAllowing', () => {
  it('lists the states whose cell starts an operation', () => {
    for (const action of VM_ACTIONS) {
      expect(statesAllowing(action)).toEqual(VM_STATES.filter((state) => expected.get(state)!.get(action) !== '-'));
    }
  });

  it('keeps the order of VM_STATES', () => {
    expect(statesAllowing('delete')).toEqual([
      'pending',
      'scheduling',
      'building',
      'running',
      'stopped',
      'recovering',
      'error',
    ]);
  });
});

describe('actionRule', () => {
  it('gives what starting an action writes; only delete goes ahead without the host', () => {
    expect(actionRule('start')).toEqual({ from: ['stopped'], via: 'starting', operation: 'start', needsHost: true });
    expect(actionRule('migrate')).toEqual({
      from: ['running'],
      via: 'migrating',
      operation: 'migrate',
      needsHost: true,
    });
    expect(actionRule('delete')).toMatchObject({ via: 'deleting', operation: 'delete', needsHost: false });
  });

  it('has a rule for every action', () => {
    for (const action of VM_ACTIONS) expect(actionRule(action).from.length).toBeGreaterThan(0);
  });
});

describe('actionRefusal', () => {
  it('names the state that refuses the action', () => {
    expect(actionRefusal('start', 'running')).toEqual({
      message: 'cannot start a VM that is running',
      extra: { state: 'running' },
    });
  });

  it('asks for a retry when the state allowed it but the VM moved meanwhile', () => {
    expect(actionRefusal('stop', 'running')).toEqual({ message: 'the VM changed state meanwhile; retry' });
  });

  it('says the host was declared dead, and that a delete is accepted', () => {
    const r = actionRefusal('start', 'stopped', { name: 'xen-3', state: 'down' });
    expect(r.message).toBe(
      'cannot start the VM now: its host xen-3 was declared dead; it can start again once the host is back. A delete is accepted.',
    );
    expect(r.extra).toEqual({ state: 'stopped', hostState: 'down' });
    expect(actionRefusal('reboot', 'running', { name: 'xen-3', state: 'down' }).message).toContain(
      'it can act again once the host is back',
    );
  });

  it('says a silent host leaves the power state unknown', () => {
    expect(actionRefusal('stop', 'running', { name: 'xen-1', state: 'up' }).message).toContain(
      'has not answered heartbeats (it is silent)',
    );
    expect(actionRefusal('stop', 'running', { name: 'xen-1', state: 'suspect' }).message).toContain('(it is suspect)');
  });
});

describe('updateRefusal', () => {
  it('leaves a VM going away alone, and lets any other change', () => {
    expect(updateRefusal('deleting')).toBe('the VM is deleting');
    expect(updateRefusal('deleted')).toBe('the VM is deleted');
    for (const state of VM_STATES.filter((s) => s !== 'deleting' && s !== 'deleted'))
      expect(updateRefusal(state)).toBeUndefined();
  });
});

describe('repeatedDeleteAnswer', () => {
  it('answers a delete that did not start with not found once deleted, else the open delete unless another operation holds the VM', () => {
    expect(repeatedDeleteAnswer('deleted')).toBe('not-found');
    expect(repeatedDeleteAnswer('deleting')).toBe('open-delete');
    // a state allowing a delete: a concurrent DELETE moved the VM between the read and the write
    expect(repeatedDeleteAnswer('running')).toBe('open-delete');
    for (const state of ['stopping', 'starting', 'rebooting', 'migrating'] as const)
      expect(repeatedDeleteAnswer(state)).toBeUndefined();
  });
});

describe('actionParamsRefusal', () => {
  it('lets only a global token choose a migration target', () => {
    expect(actionParamsRefusal('migrate', { global: false, targetHostId: 'h1' })).toEqual({
      field: 'targetHostId',
      message: 'only operators choose a target host',
    });
    expect(actionParamsRefusal('migrate', { global: true, targetHostId: 'h1' })).toBeUndefined();
    expect(actionParamsRefusal('migrate', { global: false })).toBeUndefined();
    // a target given with another action is not looked at
    expect(actionParamsRefusal('start', { global: false, targetHostId: 'h1' })).toBeUndefined();
  });
});

describe('actionRoleRefusal', () => {
  it('lets an operator migrate and nothing else; project members and global admins anything', () => {
    const operator = { global: true, role: 'operator' };
    expect(actionRoleRefusal('migrate', operator)).toBeUndefined();
    for (const action of ['start', 'stop', 'reboot'] as const) {
      expect(actionRoleRefusal(action, operator)).toMatch(/operator may only migrate/);
      expect(actionRoleRefusal(action, { global: true, role: 'admin' })).toBeUndefined();
      expect(actionRoleRefusal(action, { global: false, role: 'member' })).toBeUndefined();
    }
  });
});
