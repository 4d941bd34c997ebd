import { Inject, Injectable } from '@nestjs/common';
import { HostRepository, type Operation, type Vm, type VmState } from '@xenplane/db';
import { nextPowerStep, powerPlan, type PowerKind, type PowerPlan, powerRollback } from '@xenplane/domain';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../../config';
import { AgentNotFound } from '../../infra/agents';
import { domainSpecFor } from '../domain-spec';
import { ensureImageOnHost } from '../image-push';
import { HostWork } from '../host-work';
import { OvertakenError, PermanentError } from '../operation-errors';
import { OperationStore } from '../operation-store';
import { VmStore } from '../vm-store';
import type { OperationHandler } from './handler';

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
    const step = nextPowerStep(kind, op.cancelRequested, vm);
    if (step.kind === 'overtaken') throw new OvertakenError(step.reason);
    if (step.kind === 'no-host') throw new PermanentError('internal', 'the VM holds no host');
    return this.act(op, kind, vm!, step.plan);
  }

  private async act(op: Operation, kind: PowerKind, vm: Vm, plan: PowerPlan): Promise<void> {
    const host = await this.hosts.get(vm.hostId!);
    await this.ops.step(op, plan.step);
    switch (kind) {
      case 'start': {
        const [image, vifs, disks] = await Promise.all([
          this.vms.image(vm.imageId),
          this.vms.vifs(vm.id),
          this.vms.disksForBuild(vm.id),
        ]);
        const d = await this.hostWork.on(host, op, async (a) => {
          const opts = { correlationId: op.correlationId ?? undefined };
          await ensureImageOnHost(a, image, this.config.IMAGE_STORE_DIR, opts);
          return a.createDomain({ spec: domainSpecFor(vm, image, vm.epoch, vifs, disks), startPaused: false }, opts);
        });
        await this.complete(op, vm, plan, d.domId);
        return;
      }
      case 'stop': {
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
        await this.complete(op, vm, plan, null);
        return;
      }
      case 'reboot': {
        const d = await this.hostWork.on(host, op, (a) =>
          a.rebootDomain({ vmId: vm.id }, { correlationId: op.correlationId ?? undefined }),
        );
        await this.complete(op, vm, plan, d.domId);
        return;
      }
    }
  }

  /** The action failed for good: the VM goes back to where it was, the operation says why. */
  async compensate(op: Operation, error: PermanentError): Promise<void> {
    const vm = await this.vms.load(op.vmId!);
    const back = powerRollback((op.params as { fromState?: VmState }).fromState);
    await this.ops.endWithVm(
      op,
      vm && {
        vm,
        from: powerPlan(op.kind as PowerKind).via,
        to: back,
        data: { errorCode: error.code, errorMessage: error.message.slice(0, 2000) },
      },
      { status: 'failed', code: error.code, message: error.message, details: error.details },
    );
  }

  async overtaken(op: Operation, reason: string): Promise<void> {
    await this.ops.end(op, { status: 'cancelled', code: 'cancelled', message: reason });
  }

  private async complete(op: Operation, vm: Vm, plan: PowerPlan, domId: number | null) {
    await this.ops.endWithVm(
      op,
      {
        vm,
        from: plan.via,
        to: plan.to,
        data: { domId, powerState: plan.powerState, errorCode: null, errorMessage: null },
      },
      (moved) =>
        moved
          ? { status: 'succeeded' }
          : { status: 'cancelled', code: 'vm_deleted', message: 'the VM changed state meanwhile' },
    );
  }
}
