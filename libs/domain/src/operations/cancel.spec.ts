import { cancelRole, cancelVerdict, stateAfterCancel } from './cancel';
import { OPERATION_KINDS } from './operation';

describe('cancelRole', () => {
  it('leaves host operations to operators and project operations to members', () => {
    expect(cancelRole({ projectId: null })).toEqual({
      role: 'operator',
      refusal: 'only operators cancel host operations',
    });
    expect(cancelRole({ projectId: 'p1' })).toEqual({ role: 'member', refusal: 'only members cancel operations' });
  });
});

describe('cancelVerdict', () => {
  it('cancels any queued operation but those on disks', () => {
    const onDisks = ['snapshot', 'snapshot_revert', 'snapshot_delete', 'clone'];
    for (const kind of OPERATION_KINDS.filter((k) => !onDisks.includes(k)))
      expect(cancelVerdict({ status: 'queued', kind })).toEqual({ kind: 'cancel' });
  });

  it('never cancels an operation on disks: it holds a snapshot or a clone in a state of its own', () => {
    for (const kind of ['snapshot', 'snapshot_revert', 'snapshot_delete', 'clone'] as const)
      expect(cancelVerdict({ status: 'queued', kind })).toEqual({
        kind: 'conflict',
        reason: `a ${kind} operation cannot be cancelled; it runs to its end`,
      });
  });

  it('asks a running evacuation to stop, and refuses to cancel any other running operation', () => {
    expect(cancelVerdict({ status: 'running', kind: 'evacuate' })).toEqual({ kind: 'request' });
    for (const kind of OPERATION_KINDS.filter((k) => k !== 'evacuate')) {
      expect(cancelVerdict({ status: 'running', kind })).toEqual({
        kind: 'conflict',
        reason: 'the operation is running; only queued operations can be cancelled',
      });
    }
  });

  it('refuses to cancel a finished operation', () => {
    for (const status of ['succeeded', 'failed', 'cancelled'] as const) {
      expect(cancelVerdict({ status, kind: 'evacuate' })).toEqual({
        kind: 'conflict',
        reason: `the operation is ${status}; only queued operations can be cancelled`,
      });
    }
  });
});

describe('stateAfterCancel', () => {
  it('deletes the VM of a cancelled create', () => {
    expect(stateAfterCancel('create', undefined, 'pending')).toBe('deleted');
  });

  it('puts the VM of any other back where it came from, else leaves it', () => {
    expect(stateAfterCancel('start', 'stopped', 'starting')).toBe('stopped');
    expect(stateAfterCancel('delete', 'error', 'deleting')).toBe('error');
    expect(stateAfterCancel('stop', undefined, 'stopping')).toBe('stopping');
  });
});
