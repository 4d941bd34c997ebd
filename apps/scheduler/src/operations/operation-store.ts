import { Injectable } from '@nestjs/common';
import {
  type BegunOperation,
  type BuiltVm,
  type DeletedVm,
  type Operation,
  type OperationOutcome,
  OperationRepository,
  type Vm,
  type VmMoveAtEnd,
} from '@xenplane/db';
import { type HostTried, progressOf } from '@xenplane/domain';
import { StatementBatcher } from '../infra/statement-batcher';
import { operationEnded, stepEntered } from '../metrics/scheduler-metrics';

// what beginOperation writes for the two kinds whose first step rides along with taking them up,
// and what their handlers write themselves when it did not (an operation resumed after a crash)
export const FIRST_STEPS = {
  create: { step: 'placing', progress: progressOf('create', 'placing') },
  delete: { step: 'destroying', progress: progressOf('delete', 'destroying') },
};

/**
 * The workers' side of the operation repository: the ends of concurrent creates and deletes
 * batched into shared statements, and each kind's first step. Every write is the repository's
 * (libs/db OperationRepository): conditional on the status it expects, each with its event.
 */
@Injectable()
export class OperationStore {
  // the ends of concurrent creates and deletes share statements (finishBuiltVms, finishDeletedVms)
  private readonly built: StatementBatcher<BuiltVm, boolean>;
  private readonly deleted: StatementBatcher<DeletedVm, undefined>;

  constructor(private readonly repo: OperationRepository) {
    this.built = new StatementBatcher((items) => repo.finishBuilt(items));
    this.deleted = new StatementBatcher(async (items) => {
      await repo.finishDeleted(items);
      return items.map(() => undefined);
    });
  }

  load(id: string): Promise<Operation | null> {
    return this.repo.find(id);
  }

  /** Takes up an operation for a worker, with a create's or a delete's first step (beginOperation). */
  async begin(id: string): Promise<BegunOperation> {
    const begun = await this.repo.begin(id, FIRST_STEPS);
    // the step it is in from now (or was left in by a process that stopped): timed from here
    if (begun.op && begun.started) stepEntered(begun.op, begun.op.step ?? 'started');
    return begun;
  }

  /** A create's end: VM running, operation succeeded; false when the VM had left `building`. */
  async finishBuilt(b: BuiltVm): Promise<boolean> {
    const ended = await this.built.submit(b);
    if (ended) operationEnded(b.op, 'succeeded');
    return ended;
  }

  /** A delete's end: VM deleted, claims and quota released, operation succeeded. */
  async finishDeleted(d: DeletedVm): Promise<undefined> {
    await this.deleted.submit(d);
    operationEnded(d.op, 'succeeded');
    return undefined;
  }

  async step(op: Operation, step: string): Promise<void> {
    await this.repo.recordStep(op, step);
    stepEntered(op, step);
  }

  /** Ends the operation alone, in a transaction of its own. */
  async end(op: Operation, outcome: OperationOutcome): Promise<boolean> {
    const ended = await this.repo.end(op, outcome);
    if (ended) operationEnded(op, outcome.status);
    return ended;
  }

  /** Ends the operation and moves its VM (if `move`) in one transaction. */
  async endWithVm(
    op: Operation,
    move: VmMoveAtEnd | null,
    outcome: OperationOutcome | ((moved: boolean) => OperationOutcome),
  ): Promise<boolean> {
    // the outcome chosen inside the transaction, for the metrics
    let status: string | undefined;
    const ended = await this.repo.endWithVm(op, move, (moved) => {
      const o = typeof outcome === 'function' ? outcome(moved) : outcome;
      status = o.status;
      return o;
    });
    if (ended && status) operationEnded(op, status);
    return ended;
  }

  /** A build given up to another host: allocations released, VM back in `scheduling`, hosts tried noted; one transaction. */
  returnToScheduling(op: Operation, vm: Vm, tried: HostTried[], errorMessage: string): Promise<void> {
    return this.repo.returnToScheduling(op, vm, tried, errorMessage);
  }

  /**
   * Ends an operation no handler here can run (a newer API's kind, met by an older scheduler):
   * failed at once rather than retried in vain; the reconciler settles a VM it left mid-state.
   */
  async abandon(op: Operation, message: string): Promise<void> {
    await this.end(op, { status: 'failed', code: 'internal', message });
  }

  /** The hosts a build was placed on and left (operation.params.tried, shown as hostsTried); it holds no host now. */
  noteHostsTried(op: Operation, tried: HostTried[]): Promise<void> {
    return this.repo.noteHostsTried(op, tried);
  }

  /** An HA restart with no room for its VM now: it waits, visibly, and is tried again by itself. */
  waitingForCapacity(op: Operation, why: string): Promise<void> {
    return this.repo.waitingForCapacity(op, why);
  }

  /** Counts a failed attempt and remembers why, while the job waits for its next one. */
  noteRetry(op: Operation, message: string): Promise<void> {
    return this.repo.noteRetry(op, message);
  }
}
