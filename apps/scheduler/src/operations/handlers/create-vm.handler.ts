import { Inject, Injectable } from '@nestjs/common';
import { beginScheduling, DB, type Db, type Operation, releaseAllocations, type Vm } from '@xenplane/db';
import { progressOf } from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import { DomainState } from '@xenplane/proto';
import { domainSpecFor } from '../domain-spec';
import { type HostRef, HostWork } from '../host-work';
import { OvertakenError, PermanentError } from '../operation-errors';
import { FIRST_STEPS, OperationStore } from '../operation-store';
import { VmStore } from '../vm-store';
import { PlacementService } from '../../placement/placement.service';
import type { OperationHandler } from './handler';

/**
 * pending -> scheduling -> building -> running. Each step is recorded before the next starts
 * and each can be run again: the claim only succeeds once, CreateDomain is idempotent on the
 * VM id. A job killed anywhere resumes where the VM's state says it stopped.
 */
// hosts a create may try before it fails (the first one plus this many)
const MAX_RESCHEDULES = 2;

@Injectable()
export class CreateVmHandler implements OperationHandler {
  readonly kinds = ['create'] as const;
  private readonly log = getLogger('create-vm');

  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly ops: OperationStore,
    private readonly vms: VmStore,
    private readonly placement: PlacementService,
    private readonly hostWork: HostWork,
  ) {}

  async run(op: Operation, taken?: Vm | null): Promise<void> {
    // taking the operation up usually moved its VM to `scheduling` already (beginOperation)
    let scheduled = op.step === FIRST_STEPS.create.step && taken?.state === 'scheduling' ? taken : null;
    for (;;) {
      const outcome = await this.attempt(op, scheduled);
      if (outcome === 'done') return;
      op = (await this.ops.load(op.id))!;
      scheduled = null;
    }
  }

  /**
   * One placement and build. A host that refuses the build (its toolstack fails, it turns out
   * to lack the memory) loses the VM to another host: the claim is released, the host added to
   * the operation's exclusions, and the VM placed again — up to MAX_RESCHEDULES times.
   */
  private async attempt(op: Operation, scheduled: Vm | null): Promise<'done' | 'rescheduled'> {
    if (op.cancelRequested) throw new OvertakenError('the VM is being deleted');
    const params = op.params as { poolId?: string; excludedHostIds?: string[] };
    // else the VM is pending, and moving it on reads it in the same statement
    const step = { opId: op.id, ...FIRST_STEPS.create };
    let begun = scheduled ?? (op.step === null ? await beginScheduling(this.db, { vmId: op.vmId!, projectId: op.projectId!, ...step }) : null);
    let vm = begun ?? (await this.vms.load(op.vmId!));
    if (!vm) throw new PermanentError('internal', 'the VM of this operation does not exist');
    if (vm.state === 'deleting' || vm.state === 'deleted') throw new OvertakenError('the VM is being deleted');
    if (vm.state === 'pending') {
      begun = await beginScheduling(this.db, { vmId: vm.id, projectId: vm.projectId, ...step });
      if (!begun) throw new OvertakenError('the VM left pending meanwhile');
      vm = begun;
    }
    let host: HostRef | undefined;
    if (vm.state === 'scheduling') {
      // placing again after a host refused the build, or after a crash mid-placement
      if (!begun && op.step !== 'placing') await this.ops.step(op, 'placing');
      const placed = await this.placement.place(vm, params.poolId ?? vm.poolId ?? undefined, params.excludedHostIds ?? [], {
        id: op.id,
        step: 'building',
        progress: progressOf(op.kind, 'building'),
      });
      if ('vmGone' in placed) throw new OvertakenError('the VM was deleted while it was being placed');
      // what the claim wrote (the operation's step with it), without reading it back
      vm = { ...vm, state: 'building', hostId: placed.host.id, epoch: placed.epoch };
      op = { ...op, hostId: placed.host.id, step: 'building' };
      host = placed.host;
    }
    if (vm.state === 'running') {
      await this.vms.transaction((tx) => this.ops.finish(tx, op, { status: 'succeeded' }));
      return 'done';
    }
    if (vm.state !== 'building' || !vm.hostId) throw new OvertakenError(`the VM is ${vm.state}`);
    host ??= await this.db.host.findUniqueOrThrow({ where: { id: vm.hostId } });
    if (op.step !== 'building') await this.ops.step(op, 'building');
    const building = vm;
    const image = await this.vms.image(vm.imageId);
    let domain;
    try {
      domain = await this.hostWork.on(host, op, (agent) =>
        agent.createDomain({ spec: domainSpecFor(building, image, building.epoch), startPaused: false }, { correlationId: op.correlationId ?? undefined }),
      );
    } catch (err) {
      const tried = params.excludedHostIds ?? [];
      if (!(err instanceof PermanentError) || err.code !== 'agent_error' || tried.length >= MAX_RESCHEDULES) throw err;
      await this.reschedule(op, building, host, [...tried, host.id], err.message);
      return 'rescheduled';
    }
    const powerState = domain.state === DomainState.DOMAIN_STATE_PAUSED ? 'paused' : 'running';
    if (await this.ops.finishBuilt({ vm: building, op, domId: domain.domId, powerState })) return 'done';
    // deleted while building: the delete operation, waiting behind this one, removes the domain
    await this.vms.transaction((tx) => this.ops.finish(tx, op, { status: 'cancelled', code: 'vm_deleted', message: 'the VM was deleted while it was being built' }));
    return 'done';
  }

  private async reschedule(op: Operation, vm: Vm, host: HostRef, excludedHostIds: string[], reason: string): Promise<void> {
    this.log.warn({ vmId: vm.id, hostId: host.id, reason }, 'host refused the build: placing the VM elsewhere');
    await this.hostWork.now(host, (a) => a.destroyDomain({ vmId: vm.id, purgeStorage: true })).catch(() => undefined);
    await this.vms.transaction(async (tx) => {
      await releaseAllocations(tx, vm.id);
      await this.vms.move(tx, vm, 'building', 'scheduling', { hostId: null, domId: null, errorMessage: `host ${host.name} refused the build: ${reason}`.slice(0, 2000) });
      await tx.operation.update({
        where: { id: op.id },
        data: { hostId: null, params: { ...(op.params as object), excludedHostIds } },
      });
    });
  }

  /** Nothing leaks: the half-built domain is destroyed, the claim released, the VM marked error. */
  async compensate(op: Operation, error: PermanentError): Promise<void> {
    const vm = await this.vms.load(op.vmId!);
    if (vm?.hostId && vm.state === 'building') {
      const host = await this.db.host.findUnique({ where: { id: vm.hostId } });
      if (host) {
        await this.hostWork
          .now(host, (agent) => agent.destroyDomain({ vmId: vm.id, purgeStorage: true }))
          .catch((err: Error) => this.log.warn({ vmId: vm.id, err: err.message }, 'could not destroy a half-built domain; reconciliation will'));
      }
    }
    await this.vms.transaction(async (tx) => {
      if (vm && ['pending', 'scheduling', 'building'].includes(vm.state)) {
        await releaseAllocations(tx, vm.id);
        await this.vms.move(tx, vm, ['pending', 'scheduling', 'building'], 'error', {
          hostId: null,
          domId: null,
          powerState: 'none',
          errorCode: error.code,
          errorMessage: error.message.slice(0, 2000),
        });
      }
      await this.ops.finish(tx, op, { status: 'failed', code: error.code, message: error.message, details: error.details });
    });
  }

  async overtaken(op: Operation, reason: string): Promise<void> {
    await this.vms.transaction((tx) => this.ops.finish(tx, op, { status: 'cancelled', code: 'vm_deleted', message: reason }));
  }
}
