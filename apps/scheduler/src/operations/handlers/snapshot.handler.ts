import { Injectable } from '@nestjs/common';
import {
  HostRepository,
  type Operation,
  type OperationOutcome,
  SnapshotRepository,
  type SnapshotEnd,
  type Vm,
} from '@xenplane/db';
import { type SnapshotOperation, snapshotRunCheck, snapshotStateAfterFailure } from '@xenplane/domain';
import { AgentNotFound } from '../../infra/agents';
import { type HostRef, HostWork } from '../host-work';
import { OvertakenError, PermanentError } from '../operation-errors';
import { OperationStore } from '../operation-store';
import { operationEnded } from '../../metrics/scheduler-metrics';
import { VmStore } from '../vm-store';
import type { OperationHandler } from './handler';

type SnapshotParams = { snapshotId: string };

/** The step each kind records before it calls the agent (libs/domain operation steps). */
const STEP: Record<SnapshotOperation, string> = {
  snapshot: 'copying',
  snapshot_revert: 'reverting',
  snapshot_delete: 'deleting',
};

/**
 * A VM's snapshots on the host that holds its disks: copy them (SnapshotDisks, the domain paused
 * meanwhile if it runs), put them back (RevertDisks, stopped VM), remove them (DeleteSnapshot).
 * Each agent call is idempotent on (VM, snapshot), so a job run again after a crash calls it
 * again and ends the same way. The snapshot row ends with its operation, in one transaction.
 */
@Injectable()
export class SnapshotHandler implements OperationHandler {
  readonly kinds = ['snapshot', 'snapshot_revert', 'snapshot_delete'] as const;

  constructor(
    private readonly hosts: HostRepository,
    private readonly snapshots: SnapshotRepository,
    private readonly ops: OperationStore,
    private readonly vms: VmStore,
    private readonly hostWork: HostWork,
  ) {}

  async run(op: Operation, taken?: Vm | null): Promise<void> {
    const kind = op.kind as SnapshotOperation;
    const vm = taken !== undefined ? taken : await this.vms.load(op.vmId!);
    const check = snapshotRunCheck(kind, vm, op.cancelRequested);
    if (check.kind === 'overtaken') throw new OvertakenError(check.reason);
    if (check.kind === 'refused') throw new PermanentError('internal', check.reason);
    const host = await this.hosts.get(vm!.hostId!);
    await this.ops.step(op, STEP[kind]);
    const end = await this.call(kind, host, op, vm!.id, snapshotIdOf(op)).catch((err: unknown) => {
      // the host does not hold what the row says (the snapshot's or the VM's disks): no retry will find it
      if (err instanceof AgentNotFound)
        throw new PermanentError('agent_error', `host ${host.name} does not hold it: ${err.message}`);
      throw err;
    });
    await this.end(op, snapshotIdOf(op), end, { status: 'succeeded' });
  }

  private async call(kind: SnapshotOperation, host: HostRef, op: Operation, vmId: string, snapshotId: string) {
    const ref = { vmId, snapshotId };
    const opts = { correlationId: op.correlationId ?? undefined };
    switch (kind) {
      case 'snapshot': {
        const made = await this.hostWork.on(host, op, (a) => a.snapshotDisks(ref, opts));
        return { state: 'available', sizeBytes: BigInt(made.sizeBytes) } satisfies SnapshotEnd;
      }
      case 'snapshot_revert':
        await this.hostWork.on(host, op, (a) => a.revertDisks(ref, opts));
        return { state: 'available' } satisfies SnapshotEnd;
      case 'snapshot_delete':
        await this.hostWork.on(host, op, (a) => a.deleteSnapshot(ref, opts));
        return 'removed' satisfies SnapshotEnd;
    }
  }

  /** Failed for good: the snapshot in error (a failed revert leaves it available), the operation says why. */
  async compensate(op: Operation, error: PermanentError): Promise<void> {
    const state = snapshotStateAfterFailure(op.kind as SnapshotOperation);
    await this.end(
      op,
      snapshotIdOf(op),
      { state },
      { status: 'failed', code: error.code, message: error.message, details: error.details },
    );
  }

  /** Ends the operation with its snapshot's part in it, counted in the operation metrics. */
  private async end(
    op: Operation,
    snapshotId: string,
    snapshot: SnapshotEnd,
    outcome: OperationOutcome,
  ): Promise<void> {
    if (await this.snapshots.end(op, snapshotId, snapshot, outcome)) operationEnded(op, outcome.status);
  }

  /** The VM went away (its snapshots with it: rows cascade, files purged by its destroy). */
  async overtaken(op: Operation, reason: string): Promise<void> {
    const kind = op.kind as SnapshotOperation;
    await this.end(
      op,
      snapshotIdOf(op),
      { state: kind === 'snapshot' ? 'error' : 'available' },
      { status: 'cancelled', code: 'vm_deleted', message: reason },
    );
  }
}

function snapshotIdOf(op: Operation): string {
  return (op.params as SnapshotParams).snapshotId;
}
