import type { OperationKind } from '../operations/operation';
import type { VmState } from './vm-state';

/** The snapshot operations, and what each asks of the VM and of the snapshot. */
export const SNAPSHOT_OPERATIONS = ['snapshot', 'snapshot_revert', 'snapshot_delete'] as const;
export type SnapshotOperation = (typeof SNAPSHOT_OPERATIONS)[number];

export const SNAPSHOT_STATES = ['creating', 'available', 'reverting', 'deleting', 'error'] as const;
export type SnapshotState = (typeof SNAPSHOT_STATES)[number];

/** The operations that work on a VM's disks: while one is open, nothing else may start on that VM. */
export const STORAGE_OPERATIONS: readonly OperationKind[] = [...SNAPSHOT_OPERATIONS, 'clone'];

interface SnapshotRule {
  /** the VM states the operation may start from: a resting state with a host holding the disks */
  vmStates: readonly VmState[];
  /** the snapshot states it may start from (null: it makes the snapshot) */
  snapshotStates: readonly SnapshotState[] | null;
  /** the state the snapshot is in while the operation runs */
  via: SnapshotState;
}

/**
 * THE snapshot table. A snapshot copies the disks of a running VM (paused while copying) or a
 * stopped one; a revert puts the copies back, which only a VM without a domain allows (stopped);
 * deleting a snapshot only removes its copies, so it needs the disks' host but no state of the
 * domain. A snapshot in error can be deleted (what is left of it is removed), not reverted to.
 */
const RULES: Record<SnapshotOperation, SnapshotRule> = {
  snapshot: { vmStates: ['running', 'stopped'], snapshotStates: null, via: 'creating' },
  snapshot_revert: { vmStates: ['stopped'], snapshotStates: ['available'], via: 'reverting' },
  snapshot_delete: { vmStates: ['running', 'stopped'], snapshotStates: ['available', 'error'], via: 'deleting' },
};

export function snapshotRule(kind: SnapshotOperation): SnapshotRule {
  return RULES[kind];
}

const VERB: Record<SnapshotOperation, string> = {
  snapshot: 'snapshot',
  snapshot_revert: 'revert',
  snapshot_delete: 'delete a snapshot of',
};

/** What a start of a snapshot operation saw: the VM, the snapshot (none for a new one), an operation open on the VM. */
export interface SnapshotStartSeen {
  vmState: VmState;
  snapshotState?: SnapshotState | null;
  /** the kind of an operation not finished on the VM (or cloning from it), if any */
  openOperation?: OperationKind | null;
}

/** Why a snapshot operation may not start (409), or undefined: it may. */
export function snapshotRefusal(kind: SnapshotOperation, seen: SnapshotStartSeen): string | undefined {
  const rule = RULES[kind];
  if (!rule.vmStates.includes(seen.vmState))
    return `cannot ${VERB[kind]} a VM that is ${seen.vmState} (it must be ${rule.vmStates.join(' or ')})`;
  if (seen.openOperation)
    return `a ${seen.openOperation} operation is still at work on the VM; one operation at a time: retry once it has ended`;
  if (rule.snapshotStates && seen.snapshotState && !rule.snapshotStates.includes(seen.snapshotState))
    return `the snapshot is ${seen.snapshotState} (it must be ${rule.snapshotStates.join(' or ')})`;
  return undefined;
}

/**
 * Why a VM action (start, stop, ...) may not start now because a storage operation works on the
 * VM's disks, or undefined. A revert or a clone reading disks that a starting domain writes
 * would copy a torn disk: the action waits for the storage operation to end.
 */
export function storageBusyRefusal(openStorageOperation: OperationKind | null | undefined): string | undefined {
  if (!openStorageOperation) return undefined;
  return `a ${openStorageOperation} operation is at work on the VM's disks; one operation at a time: retry once it has ended`;
}

/** Where the snapshot goes when its operation fails for good: a failed revert leaves it as it was. */
export function snapshotStateAfterFailure(kind: SnapshotOperation): SnapshotState {
  return kind === 'snapshot_revert' ? 'available' : 'error';
}

/** What a snapshot operation does when a worker takes it up (or takes it up again after a crash). */
export type SnapshotRunCheck =
  { kind: 'go' } | { kind: 'overtaken'; reason: string } | { kind: 'refused'; reason: string };

/**
 * A worker's look at the VM before it calls the agent. Operations on one VM run one at a time
 * (the older first), so the VM should be as the API saw it; if it is not (its host lost, an
 * action accepted in a race), the operation fails rather than copy disks a domain is writing.
 * A VM going away takes its snapshots with it: nothing left to do.
 */
export function snapshotRunCheck(
  kind: SnapshotOperation,
  vm: { state: VmState; hostId: string | null } | null,
  cancelRequested: boolean,
): SnapshotRunCheck {
  if (!vm || vm.state === 'deleting' || vm.state === 'deleted')
    return { kind: 'overtaken', reason: 'the VM was deleted, and its snapshots with it' };
  if (cancelRequested) return { kind: 'overtaken', reason: 'cancelled' };
  if (!vm.hostId) return { kind: 'refused', reason: 'the VM holds no host: its disks are nowhere to be reached' };
  const rule = RULES[kind];
  if (!rule.vmStates.includes(vm.state))
    return { kind: 'refused', reason: `the VM is ${vm.state} now (it must be ${rule.vmStates.join(' or ')})` };
  return { kind: 'go' };
}
