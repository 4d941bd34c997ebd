import type { VmState } from '../vm/vm-state';
import type { OperationKind, OperationStatus } from './operation';

// operations that check for cancellation as they go, so they can be stopped while running
const CANCELLABLE_WHILE_RUNNING: ReadonlySet<OperationKind> = new Set(['evacuate']);
// operations on disks hold a snapshot (or a clone VM) in a state of their own: they run to their
// end, even queued (a clone that is not wanted is deleted like any VM)
const NEVER_CANCELLED: ReadonlySet<OperationKind> = new Set([
  'snapshot',
  'snapshot_revert',
  'snapshot_delete',
  'clone',
]);

/** Who may cancel an operation: operators a host's (it has no project), members a project's. */
export function cancelRole(op: { projectId: string | null }): { role: 'operator' | 'member'; refusal: string } {
  return op.projectId === null
    ? { role: 'operator', refusal: 'only operators cancel host operations' }
    : { role: 'member', refusal: 'only members cancel operations' };
}

export type CancelVerdict =
  /** no worker has it: it ends cancelled now, its VM back where it was */
  | { kind: 'cancel' }
  /** running, but it looks for a cancel between its steps: ask it to stop */
  | { kind: 'request' }
  | { kind: 'conflict'; reason: string };

/** What cancelling an operation does, from its status and kind. */
export function cancelVerdict(op: { status: OperationStatus; kind: OperationKind }): CancelVerdict {
  if (NEVER_CANCELLED.has(op.kind) && op.status === 'queued')
    return { kind: 'conflict', reason: `a ${op.kind} operation cannot be cancelled; it runs to its end` };
  if (op.status === 'running' && CANCELLABLE_WHILE_RUNNING.has(op.kind)) return { kind: 'request' };
  if (op.status !== 'queued')
    return { kind: 'conflict', reason: `the operation is ${op.status}; only queued operations can be cancelled` };
  return { kind: 'cancel' };
}

/**
 * Where a cancelled operation leaves its VM: a cancelled create never existed (deleted, its
 * quota back); any other goes back to the state it came from.
 */
export function stateAfterCancel(kind: OperationKind, fromState: VmState | undefined, current: VmState): VmState {
  return kind === 'create' ? 'deleted' : (fromState ?? current);
}
