import { Injectable } from '@nestjs/common';
import {
  type Operation,
  OperationRepository,
  OperationStepRepository,
  TokenRepository,
  type VmState,
} from '@xenplane/db';
import { assembleTimeline, cancelRole, cancelVerdict, stateAfterCancel } from '@xenplane/domain';
import { allows, visibleProject, type Principal } from '../common/auth/principal';
import { conflict, forbidden, notFound } from '../common/errors/api-errors';
import { decodeCursor, page } from '../common/http/cursor';
import type { ListOperationsQuery } from './operation.dto';
import { type OperationPage, type OperationView, presentOperation, withRequesterName } from './operation.view';
import { type OperationTimelineView, presentTimeline } from './timeline.view';

@Injectable()
export class OperationsService {
  constructor(
    private readonly operations: OperationRepository,
    private readonly tokens: TokenRepository,
    private readonly steps: OperationStepRepository,
  ) {}

  /** Where the operation's time went, step by step, as its processes recorded it (libs/domain assembleTimeline). */
  async timeline(principal: Principal, id: string): Promise<OperationTimelineView> {
    const op = await this.find(principal, id);
    const steps = await this.steps.of(op.id);
    return presentTimeline(op, assembleTimeline(op, steps, new Date()), steps[0]?.traceId);
  }

  async get(principal: Principal, id: string): Promise<OperationView> {
    return this.present(await this.find(principal, id));
  }

  async list(principal: Principal, q: ListOperationsQuery): Promise<OperationPage> {
    const limit = q.limit ?? 50;
    const filter = {
      ...visibleProject(principal),
      ...(q.vmId ? { vmId: q.vmId } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.kind ? { kind: q.kind } : {}),
    };
    const rows = await this.operations.listPage(filter, q.cursor ? decodeCursor(q.cursor) : undefined, limit + 1);
    const names = await this.tokens.namesOf(rows.flatMap((op) => (op.requestedBy ? [op.requestedBy] : [])));
    return page(rows, limit, (op) => withRequesterName(presentOperation(op), names));
  }

  /**
   * Cancels an operation no worker has started: the operation ends `cancelled` and its VM goes
   * back where it was (a cancelled create never existed: its quota comes back).
   * Conditional on `queued`, so a worker that starts it at the same moment wins or loses cleanly.
   */
  async cancel(principal: Principal, id: string): Promise<OperationView> {
    const op = await this.find(principal, id);
    const who = cancelRole(op);
    if (!allows(who.role, principal)) throw forbidden(who.refusal);
    const verdict = cancelVerdict(op);
    if (verdict.kind === 'request') return this.requestCancel(op.id);
    if (verdict.kind === 'conflict') throw conflict(verdict.reason, { operationStatus: op.status });
    // the VM goes back where it was; a cancelled create's VM never existed
    const cancelled = await this.operations.cancelQueued(op, (vm): VmState =>
      stateAfterCancel(op.kind, (op.params as { fromState?: VmState }).fromState, vm.state),
    );
    if (!cancelled) throw conflict('the operation started meanwhile');
    return this.present(cancelled);
  }

  /**
   * A running evacuation stops at its next look (it checks between migrations): the
   * migrations under way finish, no new one starts. It answers the operation still running.
   */
  private async requestCancel(id: string): Promise<OperationView> {
    const op = await this.operations.requestCancel(id);
    if (!op) throw conflict('the operation finished meanwhile');
    return this.present(op);
  }

  /** The view with the name of the token that asked for it: one indexed read. */
  private async present(op: Operation): Promise<OperationView> {
    const names = await this.tokens.namesOf(op.requestedBy ? [op.requestedBy] : []);
    return withRequesterName(presentOperation(op), names);
  }

  private async find(principal: Principal, id: string) {
    const op = await this.operations.findVisible(id, visibleProject(principal));
    if (!op) throw notFound('operation', id);
    return op;
  }
}
