import { Inject, Injectable } from '@nestjs/common';
import { type HostResident, HostRepository, type Operation, OperationRepository, VmRepository } from '@xenplane/db';
import { decideEvacuation, evacuationCheck, evacuationFailureMessage, type EvacuationStep } from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../../config';
import { OperationQueue } from '../../infra/operation-queue';
import { OvertakenError, PermanentError, WaitError } from '../operation-errors';
import { OperationStore } from '../operation-store';
import type { OperationHandler } from './handler';

// how often an evacuation looks at its migrations: short next to a migration, cheap to read
const POLL_MS = 500;

/**
 * Drains a host in maintenance: a flow of `migrate` operations, at most
 * HOST_OPERATION_CONCURRENCY at once off the host, started as the API starts them. Each run
 * reads the host's VMs and the migrations this evacuation started (they carry its id), decides
 * (libs/domain decideEvacuation), starts what it may and comes back later instead of holding a
 * worker. Nothing lives in memory, so a scheduler killed mid-evacuation is replaced by one that
 * carries on from the database's truth.
 */
@Injectable()
export class EvacuateHostHandler implements OperationHandler {
  readonly kinds = ['evacuate'] as const;
  private readonly log = getLogger('evacuate-host');

  constructor(
    private readonly hosts: HostRepository,
    private readonly vmRepository: VmRepository,
    private readonly operations: OperationRepository,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly ops: OperationStore,
    private readonly queue: OperationQueue,
  ) {}

  async run(op: Operation): Promise<void> {
    const host = op.hostId ? await this.hosts.find(op.hostId) : null;
    const check = evacuationCheck(host, op.cancelRequested);
    if (check.kind === 'missing') throw new PermanentError('internal', 'the evacuated host no longer exists');
    if (check.kind === 'overtaken') throw new OvertakenError(check.reason);
    const [residents, moves] = await Promise.all([
      this.vmRepository.residentsOf(host!.id),
      this.operations.evacuationMoves(op),
    ]);
    const attempts = moves.filter((m) => m.vmId).map((m) => ({ ...m, vmId: m.vmId! }));
    const step = decideEvacuation({ residents, attempts, limit: this.config.HOST_OPERATION_CONCURRENCY });
    await this.carryOut(op, host!.name, residents, step);
  }

  private async carryOut(
    op: Operation,
    hostName: string,
    residents: HostResident[],
    step: EvacuationStep,
  ): Promise<void> {
    switch (step.kind) {
      case 'done':
        await this.ops.end(op, { status: 'succeeded' });
        this.log.info({ operationId: op.id, host: hostName }, 'host evacuated');
        return;
      case 'failed':
        await this.ops.end(op, {
          status: 'failed',
          code: step.code,
          message: evacuationFailureMessage(hostName, step.left),
          details: { vms: step.left },
        });
        this.log.warn({ operationId: op.id, host: hostName, left: step.left.length }, 'evacuation left VMs behind');
        return;
      case 'start':
        await this.startMoves(
          op,
          residents.filter((vm) => step.vmIds.includes(vm.id)),
        );
        break;
      case 'wait':
        break;
    }
    await this.operations.recordEvacuationProgress(op, step.progress);
    throw new WaitError(POLL_MS, 'migrations off the host under way');
  }

  /** Migrate operations, as a tenant's would be begun; a VM that changed meanwhile is looked at again next time. */
  private async startMoves(op: Operation, vms: HostResident[]): Promise<void> {
    const started: Operation[] = [];
    for (const vm of vms) {
      const move = await this.operations.beginOnVm({
        vm,
        kind: 'migrate',
        via: 'migrating',
        params: { evacuationId: op.id },
        requestedBy: op.requestedBy,
        correlationId: op.correlationId,
      });
      if (move) started.push(move);
    }
    if (started.length) await this.queue.wake(started);
    this.log.info({ operationId: op.id, vmIds: started.map((m) => m.vmId) }, 'migrations started');
  }

  async compensate(op: Operation, error: PermanentError): Promise<void> {
    await this.ops.end(op, { status: 'failed', code: error.code, message: error.message, details: error.details });
  }

  async overtaken(op: Operation, reason: string): Promise<void> {
    await this.ops.end(op, { status: 'cancelled', code: 'cancelled', message: reason });
  }
}
