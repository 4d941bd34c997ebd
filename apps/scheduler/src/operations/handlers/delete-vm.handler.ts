import { Injectable } from '@nestjs/common';
import { type ClaimHolder, type Operation, type Vm, VmRepository } from '@xenplane/db';
import { deleteAlreadyDone, destroysOn } from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import { AgentNotFound } from '../../infra/agents';
import { HostWork } from '../host-work';
import { type PermanentError } from '../operation-errors';
import { FIRST_STEPS, OperationStore } from '../operation-store';
import { VmStore } from '../vm-store';
import type { OperationHandler } from './handler';

/**
 * deleting -> deleted: destroy the domain wherever the VM holds a claim, then release claims
 * and quota and end the operation in one statement. A host that is down is not waited for: its domains are of an
 * old epoch when it comes back, and it is told to destroy them.
 */
@Injectable()
export class DeleteVmHandler implements OperationHandler {
  readonly kinds = ['delete'] as const;
  private readonly log = getLogger('delete-vm');

  constructor(
    private readonly vmRepository: VmRepository,
    private readonly ops: OperationStore,
    private readonly vms: VmStore,
    private readonly hostWork: HostWork,
  ) {}

  async run(op: Operation, taken?: Vm | null, takenHolders?: ClaimHolder[] | null): Promise<void> {
    const vm = taken !== undefined ? taken : await this.vms.load(op.vmId!);
    if (!vm || deleteAlreadyDone(vm)) {
      await this.ops.end(op, { status: 'succeeded' });
      return;
    }
    // taking the operation up usually recorded the step and read the claims already
    const holders =
      takenHolders ?? (await this.vmRepository.beginDestroy({ vmId: vm.id, opId: op.id, ...FIRST_STEPS.delete }));
    for (const host of holders) {
      if (!destroysOn(host)) {
        this.log.info({ vmId: vm.id, hostId: host.id }, 'host is down: releasing without destroying');
        continue;
      }
      await this.hostWork
        .on(host, op, (agent) => agent.destroyDomain({ vmId: vm.id, purgeStorage: true }))
        .catch((err: unknown) => {
          if (!(err instanceof AgentNotFound)) throw err;
        });
    }
    await this.ops.finishDeleted({ vm, op });
  }

  /** The domain could not be destroyed: the VM keeps its claim and shows the error; delete can be retried. */
  async compensate(op: Operation, error: PermanentError): Promise<void> {
    const vm = await this.vms.load(op.vmId!);
    await this.ops.endWithVm(
      op,
      vm && vm.state === 'deleting'
        ? {
            vm,
            from: 'deleting',
            to: 'error',
            data: { errorCode: error.code, errorMessage: `delete failed: ${error.message}`.slice(0, 2000) },
          }
        : null,
      { status: 'failed', code: error.code, message: error.message, details: error.details },
    );
  }

  async overtaken(op: Operation, reason: string): Promise<void> {
    await this.ops.end(op, { status: 'cancelled', code: 'cancelled', message: reason });
  }
}
