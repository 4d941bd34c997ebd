import type { BuildInputs, ClaimHolder, Operation, Vm } from '@xenplane/db';
import type { OperationKind } from '@xenplane/domain';
import type { PermanentError } from '../operation-errors';

/** One kind of operation: its steps, and how to undo what a failed run left behind. */
export interface OperationHandler {
  readonly kinds: readonly OperationKind[];
  /**
   * `vm`: the operation's VM as it was when the operation was taken up (absent: the handler reads
   * it); `holders`: for a delete, the hosts where that VM holds claims, read then too; `built`:
   * for a create, the VM's vifs and disks, read then too.
   */
  run(op: Operation, vm?: Vm | null, holders?: ClaimHolder[] | null, built?: BuildInputs | null): Promise<void>;
  /** Called once retries are exhausted or the failure is permanent; ends the operation. */
  compensate(op: Operation, error: PermanentError): Promise<void>;
  /** The VM was deleted or the operation cancelled meanwhile; ends the operation. */
  overtaken(op: Operation, reason: string): Promise<void>;
}
