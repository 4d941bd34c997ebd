import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  type Operation,
  OperationRepository,
  type SnapshotStartOutcome,
  SnapshotRepository,
  VmRepository,
} from '@xenplane/db';
import { type SnapshotOperation, snapshotRefusal, snapshotRule } from '@xenplane/domain';
import { currentCorrelationId } from '@xenplane/observability';
import { visibleProject, type Principal } from '../../common/auth/principal';
import { conflict, notFound } from '../../common/errors/api-errors';
import { decodeCursor, page } from '../../common/http/cursor';
import { OperationQueue } from '../../infra/queue.module';
import { type OperationView, presentOperation } from '../../operations/operation.view';
import { findVisibleVm, refuseSharedDisks } from '../vm-lookup';
import type { CreateSnapshotDto, ListSnapshotsQuery } from './snapshot.dto';
import { presentSnapshot, type SnapshotPage, type SnapshotStartedView, type SnapshotView } from './snapshot.view';

@Injectable()
export class SnapshotsService {
  constructor(
    private readonly vms: VmRepository,
    private readonly snapshots: SnapshotRepository,
    private readonly operations: OperationRepository,
    private readonly queue: OperationQueue,
  ) {}

  /** A new snapshot (`creating`) and its operation, in one statement; a wake-up call to the scheduler. */
  async create(principal: Principal, vmId: string, dto: CreateSnapshotDto): Promise<SnapshotStartedView> {
    const snapshotId = randomUUID();
    const op = await this.start(principal, vmId, 'snapshot', snapshotId, dto.name);
    const snapshot = (await this.snapshots.find(vmId, snapshotId))!;
    return { snapshot: presentSnapshot(snapshot), operation: presentOperation(op) };
  }

  async list(principal: Principal, vmId: string, q: ListSnapshotsQuery): Promise<SnapshotPage> {
    await findVisibleVm(this.vms, principal, vmId);
    const limit = q.limit ?? 50;
    const rows = await this.snapshots.listPage(vmId, q.cursor ? decodeCursor(q.cursor) : undefined, limit + 1);
    return page(rows, limit, (s) => presentSnapshot(s));
  }

  async get(principal: Principal, vmId: string, snapshotId: string): Promise<SnapshotView> {
    await findVisibleVm(this.vms, principal, vmId);
    const snapshot = await this.snapshots.find(vmId, snapshotId);
    if (!snapshot) throw notFound('snapshot', snapshotId);
    const failed = snapshot.state === 'error' ? await this.operations.lastFailureOf(vmId, snapshotId) : null;
    return presentSnapshot(snapshot, failed);
  }

  /** A revert or a snapshot delete: the snapshot's change and the operation in one statement. */
  async startOn(
    principal: Principal,
    vmId: string,
    snapshotId: string,
    kind: SnapshotOperation,
  ): Promise<OperationView> {
    return presentOperation(await this.start(principal, vmId, kind, snapshotId));
  }

  private async start(
    principal: Principal,
    vmId: string,
    kind: SnapshotOperation,
    snapshotId: string,
    name?: string,
  ): Promise<Operation> {
    if (kind === 'snapshot') await refuseSharedDisks(this.vms, principal, vmId, 'a snapshot');
    const rule = snapshotRule(kind);
    const started = await this.snapshots.start({
      vmId,
      projectId: visibleProject(principal).projectId ?? null,
      kind,
      snapshotId,
      ...(name !== undefined ? { name } : {}),
      vmStates: rule.vmStates,
      snapshotStates: rule.snapshotStates ?? [],
      via: rule.via,
      requestedBy: principal.tokenId,
      correlationId: currentCorrelationId() ?? null,
    });
    if (!started.op) throw refusal(kind, started, vmId, snapshotId, name);
    await this.queue.wake([started.op]);
    return started.op;
  }
}

/** Why the statement started nothing, from what it saw (libs/domain snapshotRefusal). */
function refusal(kind: SnapshotOperation, seen: SnapshotStartOutcome, vmId: string, snapshotId: string, name?: string) {
  if (!seen.vmState) return notFound('vm', vmId);
  if (kind !== 'snapshot' && !seen.snapshotState) return notFound('snapshot', snapshotId);
  const reason = snapshotRefusal(kind, {
    vmState: seen.vmState,
    snapshotState: kind === 'snapshot' ? null : seen.snapshotState,
    openOperation: seen.openOperation,
  });
  if (reason)
    return conflict(reason, {
      state: seen.vmState,
      ...(seen.snapshotState ? { snapshotState: seen.snapshotState } : {}),
    });
  if (kind === 'snapshot' && seen.snapshotState) return conflict(`the VM already has a snapshot named ${name}`);
  if (!seen.hostAnswers && seen.hostName)
    return conflict(
      `cannot work on the VM's disks now: its host ${seen.hostName} has not answered heartbeats (it is ${seen.hostState})`,
      { state: seen.vmState, hostState: seen.hostState },
    );
  return conflict('the VM or the snapshot changed meanwhile; retry');
}
