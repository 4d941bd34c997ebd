import { Inject, Injectable } from '@nestjs/common';
import { HostRepository, type Operation, type Vm, type VmState } from '@xenplane/db';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../../config';
import { AgentNotFound } from '../../infra/agents';
import { domainSpecFor } from '../domain-spec';
import { HostWork } from '../host-work';
import { OvertakenError, PermanentError } from '../operation-errors';
import { OperationStore } from '../operation-store';
import { VmStore } from '../vm-store';
import type { OperationHandler } from './handler';

type PowerKind = 'start' | 'stop' | 'reboot';

const VIA: Record<PowerKind, VmState> = { start: 'starting', stop: 'stopping', reboot: 'rebooting' };

/**
 * start, stop and reboot of a VM on the host that holds its claim (a stopped VM keeps its
 * claim, so it can always start again where its disk is).
 */
@Injectable()
export class PowerHandler implements OperationHandler {
  readonly kinds = ['start', 'stop', 'reboot'] as const;

  constructor(
    private readonly hosts: HostRepository,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly ops: OperationStore,
    private readonly vms: VmStore,
    private readonly hostWork: HostWork,
  ) {}

  async run(op: Operation, taken?: Vm | null): Promise<void> {
    const kind = op.kind as PowerKind;
    const vm = taken !== undefined ? taken : await this.vms.load(op.vmId!);
    if (!vm || op.cancelRequested || vm.state !== VIA[kind]) throw new OvertakenError(`the VM is ${vm?.state ?? 'gone'}`);
    if (!vm.hostId) throw new PermanentError('internal', 'the VM holds no host');
    const host = await this.hosts.get(vm.hostId);
    switch (kind) {
      case 'start': {
        await this.ops.step(op, 'building');
        const image = await this.vms.image(vm.imageId);
        const d = await this.hostWork.on(host, op, (a) =>
          a.createDomain({ spec: domainSpecFor(vm, image, vm.epoch), startPaused: false }, { correlationId: op.correlationId ?? undefined }),
        );
        await this.complete(op, vm, 'running', { domId: d.domId, powerState: 'running' });
        return;
      }
      case 'stop': {
        await this.ops.step(op, 'shutting-down');
        const timeoutSeconds = this.config.SHUTDOWN_TIMEOUT_S;
        await this.hostWork
          .on(host, op, (a) =>
            a.shutdownDomain(
              { vmId: vm.id, timeoutSeconds, forceAfterTimeout: true },
              { deadlineMs: (timeoutSeconds + 10) * 1000, correlationId: op.correlationId ?? undefined },
            ),
          )
          .catch((err: unknown) => {
            if (!(err instanceof AgentNotFound)) throw err; // already gone: stopped is the truth
          });
        await this.complete(op, vm, 'stopped', { domId: null, powerState: 'shutdown' });
        return;
      }
      case 'reboot': {
        await this.ops.step(op, 'rebooting');
        const d = await this.hostWork.on(host, op, (a) => a.rebootDomain({ vmId: vm.id }, { correlationId: op.correlationId ?? undefined }));
        await this.complete(op, vm, 'running', { domId: d.domId, powerState: 'running' });
        return;
      }
    }
  }

  /** The action failed for good: the VM goes back to where it was, the operation says why. */
  async compensate(op: Operation, error: PermanentError): Promise<void> {
    const vm = await this.vms.load(op.vmId!);
    const back = ((op.params as { fromState?: VmState }).fromState ?? 'error') as VmState;
    await this.ops.endWithVm(
      op,
      vm && { vm, from: VIA[op.kind as PowerKind], to: back, data: { errorCode: error.code, errorMessage: error.message.slice(0, 2000) } },
      { status: 'failed', code: error.code, message: error.message, details: error.details },
    );
  }

  async overtaken(op: Operation, reason: string): Promise<void> {
    await this.ops.end(op, { status: 'cancelled', code: 'cancelled', message: reason });
  }

  private async complete(op: Operation, vm: Vm, to: VmState, data: { domId: number | null; powerState: 'running' | 'shutdown' }) {
    await this.ops.endWithVm(op, { vm, from: VIA[op.kind as PowerKind], to, data: { ...data, errorCode: null, errorMessage: null } }, (moved) =>
      moved ? { status: 'succeeded' } : { status: 'cancelled', code: 'vm_deleted', message: 'the VM changed state meanwhile' },
    );
  }
}
