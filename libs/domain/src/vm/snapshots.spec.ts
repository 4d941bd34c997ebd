import {
  snapshotRefusal,
  snapshotRule,
  snapshotRunCheck,
  snapshotStateAfterFailure,
  storageBusyRefusal,
} from './snapshots';

describe('snapshot operations', () => {
  it('snapshots a running or a stopped VM, nothing in between', () => {
    expect(snapshotRefusal('snapshot', { vmState: 'running' })).toBeUndefined();
    expect(snapshotRefusal('snapshot', { vmState: 'stopped' })).toBeUndefined();
    expect(snapshotRefusal('snapshot', { vmState: 'migrating' })).toBe(
      'cannot snapshot a VM that is migrating (it must be running or stopped)',
    );
    expect(snapshotRefusal('snapshot', { vmState: 'building' })).toMatch(/building/);
  });

  it('reverts only a stopped VM to an available snapshot', () => {
    expect(snapshotRefusal('snapshot_revert', { vmState: 'stopped', snapshotState: 'available' })).toBeUndefined();
    expect(snapshotRefusal('snapshot_revert', { vmState: 'running', snapshotState: 'available' })).toBe(
      'cannot revert a VM that is running (it must be stopped)',
    );
    expect(snapshotRefusal('snapshot_revert', { vmState: 'stopped', snapshotState: 'creating' })).toBe(
      'the snapshot is creating (it must be available)',
    );
    expect(snapshotRefusal('snapshot_revert', { vmState: 'stopped', snapshotState: 'error' })).toMatch(/error/);
  });

  it('deletes an available snapshot or one in error, of a VM that holds its host', () => {
    expect(snapshotRefusal('snapshot_delete', { vmState: 'running', snapshotState: 'error' })).toBeUndefined();
    expect(snapshotRefusal('snapshot_delete', { vmState: 'stopped', snapshotState: 'available' })).toBeUndefined();
    expect(snapshotRefusal('snapshot_delete', { vmState: 'stopped', snapshotState: 'reverting' })).toMatch(/reverting/);
    expect(snapshotRefusal('snapshot_delete', { vmState: 'deleting', snapshotState: 'available' })).toMatch(/deleting/);
  });

  it('refuses while another operation is open on the VM, naming it', () => {
    expect(snapshotRefusal('snapshot', { vmState: 'running', openOperation: 'snapshot' })).toMatch(
      /a snapshot operation is still at work/,
    );
    expect(
      snapshotRefusal('snapshot_revert', { vmState: 'stopped', snapshotState: 'available', openOperation: 'clone' }),
    ).toMatch(/clone/);
  });

  it('holds the snapshot in a state of its own while its operation runs', () => {
    expect(snapshotRule('snapshot').via).toBe('creating');
    expect(snapshotRule('snapshot_revert').via).toBe('reverting');
    expect(snapshotRule('snapshot_delete').via).toBe('deleting');
  });

  it('a failed revert leaves the snapshot usable; a failed copy or removal marks it in error', () => {
    expect(snapshotStateAfterFailure('snapshot_revert')).toBe('available');
    expect(snapshotStateAfterFailure('snapshot')).toBe('error');
    expect(snapshotStateAfterFailure('snapshot_delete')).toBe('error');
  });

  it('VM actions wait for a storage operation on the VM', () => {
    expect(storageBusyRefusal(null)).toBeUndefined();
    expect(storageBusyRefusal('snapshot_revert')).toMatch(/snapshot_revert operation is at work/);
  });
});

describe('a snapshot operation taken up by a worker', () => {
  const HOST = '11111111-1111-4111-8111-111111111111';

  it('goes ahead on a VM still as the API saw it', () => {
    expect(snapshotRunCheck('snapshot', { state: 'running', hostId: HOST }, false)).toEqual({ kind: 'go' });
    expect(snapshotRunCheck('snapshot_revert', { state: 'stopped', hostId: HOST }, false)).toEqual({ kind: 'go' });
  });

  it('stops without failing when the VM went away', () => {
    expect(snapshotRunCheck('snapshot', null, false).kind).toBe('overtaken');
    expect(snapshotRunCheck('snapshot_delete', { state: 'deleting', hostId: HOST }, false).kind).toBe('overtaken');
  });

  it('refuses to revert a VM that started meanwhile', () => {
    expect(snapshotRunCheck('snapshot_revert', { state: 'running', hostId: HOST }, false)).toEqual({
      kind: 'refused',
      reason: 'the VM is running now (it must be stopped)',
    });
    expect(snapshotRunCheck('snapshot', { state: 'stopped', hostId: null }, false).kind).toBe('refused');
  });
});
