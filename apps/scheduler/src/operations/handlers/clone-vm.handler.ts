import { Inject, Injectable } from '@nestjs/common';
import { HostRepository, type Operation, type Vm } from '@xenplane/db';
import { getLogger } from '@xenplane/observability';
import { DomainState } from '@xenplane/proto';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../../config';
import { vmFailedData } from '../build-failures';
import { domainSpecFor } from '../domain-spec';
import { ensureImageOnHost } from '../image-push';
import { type HostRef, HostWork } from '../host-work';
import { OvertakenError, PermanentError } from '../operation-errors';
import { OperationStore } from '../operation-store';
import { VmStore } from '../vm-store';
import type { OperationHandler } from './handler';

type CloneParams = { sourceVmId: string };

/**
 * A clone, claimed on its source's host by the API (the disks are local): its disks copied from
 * the source's (CloneDisks, the source stopped), then built like a create (CreateDomain), ending
 * running. Steps claimed -> copying -> building, each recorded before its work: CloneDisks is
 * idempotent on the target and CreateDomain on the VM id, so a job run again after a crash
 * repeats at most the step it was in.
 */
@Injectable()
export class CloneVmHandler implements OperationHandler {
  readonly kinds = ['clone'] as const;
  private readonly log = getLogger('clone-vm');

  constructor(
    private readonly hosts: HostRepository,
    private readonly ops: OperationStore,
    private readonly vms: VmStore,
    private readonly hostWork: HostWork,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  async run(op: Operation, taken?: Vm | null): Promise<void> {
    const vm = taken !== undefined ? taken : await this.vms.load(op.vmId!);
    if (!vm || vm.state === 'deleting' || vm.state === 'deleted' || op.cancelRequested)
      throw new OvertakenError('the clone was deleted while it was being made');
    if (vm.state !== 'building') throw new PermanentError('internal', `the clone is ${vm.state}, not building`);
    const host = await this.hosts.get(vm.hostId!);
    if (op.step !== 'building') {
      if (op.step !== 'copying') await this.ops.step(op, 'claimed');
      await this.copyDisks(op, vm, host);
    }
    await this.ops.step(op, 'building');
    await this.build(op, vm, host);
  }

  /** The source's disks copied under the clone's names; the source must still be stopped and exist. */
  private async copyDisks(op: Operation, vm: Vm, host: HostRef): Promise<void> {
    const sourceId = (op.params as CloneParams).sourceVmId;
    const source = await this.vms.load(sourceId);
    if (!source || source.state === 'deleted' || source.state === 'deleting')
      throw new PermanentError('internal', 'the source VM was deleted before its disks were copied');
    if (source.state !== 'stopped' || source.hostId !== vm.hostId)
      throw new PermanentError('internal', `the source VM is ${source.state} now; a clone copies a stopped VM's disks`);
    await this.ops.step(op, 'copying');
    await this.hostWork.on(host, op, (a) =>
      a.cloneDisks({ sourceVmId: sourceId, targetVmId: vm.id }, { correlationId: op.correlationId ?? undefined }),
    );
  }

  /**
   * The clone's root disk shares its source's image underneath (CloneDisks copied the CoW
   * layer); the host holds the image already since the source was built there, but the push is
   * asked for as before every CreateDomain (a GetImage when it is there).
   */
  private async build(op: Operation, vm: Vm, host: HostRef): Promise<void> {
    const [image, vifs, disks] = await Promise.all([
      this.vms.image(vm.imageId),
      this.vms.vifs(vm.id),
      this.vms.disks(vm.id),
    ]);
    const domain = await this.hostWork.on(host, op, async (a) => {
      const opts = { correlationId: op.correlationId ?? undefined };
      await ensureImageOnHost(a, image, this.config.IMAGE_STORE_DIR, opts);
      return a.createDomain({ spec: domainSpecFor(vm, image, vm.epoch, vifs, disks), startPaused: false }, opts);
    });
    const powerState = domain.state === DomainState.DOMAIN_STATE_PAUSED ? 'paused' : 'running';
    if (await this.ops.finishBuilt({ vm, op, domId: domain.domId, powerState, from: 'building' })) return;
    // deleted while building: the delete operation, waiting behind this one, removes the domain
    await this.ops.end(op, {
      status: 'cancelled',
      code: 'vm_deleted',
      message: 'the clone was deleted while it was being built',
    });
  }

  /** Nothing leaks: what was built or copied is purged, the claim released, the clone in error. */
  async compensate(op: Operation, error: PermanentError): Promise<void> {
    const vm = await this.vms.load(op.vmId!);
    if (vm?.hostId) {
      const host = await this.hosts.find(vm.hostId);
      if (host)
        await this.hostWork
          .now(host, (a) => a.destroyDomain({ vmId: vm.id, purgeStorage: true }))
          .catch((err: Error) =>
            this.log.warn({ vmId: vm.id, err: err.message }, 'could not purge a half-made clone; reconciliation will'),
          );
    }
    await this.ops.endWithVm(
      op,
      vm && {
        vm,
        from: 'building',
        to: 'error',
        data: vmFailedData(error),
        release: 'first',
      },
      { status: 'failed', code: error.code, message: error.message, details: error.details },
    );
  }

  async overtaken(op: Operation, reason: string): Promise<void> {
    await this.ops.end(op, { status: 'cancelled', code: 'vm_deleted', message: reason });
  }
}
