import { Inject, Injectable } from '@nestjs/common';
import {
  type BuildInputs,
  type ClaimHolder,
  HostRepository,
  type Operation,
  type Vm,
  VmRepository,
} from '@xenplane/db';
import {
  buildGiveUp,
  CREATE_UNDONE_FROM,
  createCompensation,
  hostTried,
  type HostTried,
  needsLiveness,
  nextCreateStep,
  progressOf,
  recoverFromBuildFailure,
} from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import { DomainState } from '@xenplane/proto';
import { domainSpecFor } from '../domain-spec';
import { ensureImageOnHost } from '../image-push';
import { type HostRef, HostWork } from '../host-work';
import { buildFailureOf, hostStillLive, vmFailedData } from '../build-failures';
import { OvertakenError, PermanentError } from '../operation-errors';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../../config';
import { FIRST_STEPS, OperationStore } from '../operation-store';
import { VmStore } from '../vm-store';
import { PlacementService } from '../../placement/placement.service';
import type { OperationHandler } from './handler';

/**
 * pending -> scheduling -> building -> running. Each step is recorded before the next starts
 * and each can be run again: the claim only succeeds once, CreateDomain is idempotent on the
 * VM id. A job killed anywhere resumes where the VM's state says it stopped.
 */
type CreateParams = { poolId?: string; tried?: HostTried[] };

@Injectable()
export class CreateVmHandler implements OperationHandler {
  readonly kinds = ['create'] as const;
  private readonly log = getLogger('create-vm');

  constructor(
    private readonly hosts: HostRepository,
    private readonly vmRepository: VmRepository,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly ops: OperationStore,
    private readonly vms: VmStore,
    private readonly placement: PlacementService,
    private readonly hostWork: HostWork,
  ) {}

  async run(
    op: Operation,
    taken?: Vm | null,
    _holders?: ClaimHolder[] | null,
    read?: BuildInputs | null,
  ): Promise<void> {
    // taking the operation up usually moved its VM to `scheduling` already (beginOperation), and
    // read its vifs and disks
    let scheduled = op.step === FIRST_STEPS.create.step && taken?.state === 'scheduling' ? taken : null;
    // a VM's vifs and disks never change while it is made: read once per run, by beginOperation or here
    const built = read ?? (await this.buildInputs(op.vmId!));
    for (;;) {
      const outcome = await this.attempt(op, scheduled, built);
      if (outcome === 'done') return;
      op = (await this.ops.load(op.id))!;
      scheduled = null;
    }
  }

  private async buildInputs(vmId: string): Promise<BuildInputs> {
    const [vifs, disks] = await Promise.all([this.vms.vifs(vmId), this.vms.disks(vmId)]);
    return { vifs, disks };
  }

  /**
   * One placement and build, step by step as libs/domain nextCreateStep says from where the VM is.
   * A host that refuses the build (its toolstack fails, it turns out to lack the memory), cannot
   * be reached or dies under it loses the VM to another host: the claim is released, the host
   * recorded among the operation's hosts tried (with why), and the VM placed again elsewhere,
   * each host once, up to BUILD_HOSTS hosts (recoverFromBuildFailure).
   */
  private async attempt(op: Operation, scheduled: Vm | null, built: BuildInputs): Promise<'done' | 'rescheduled'> {
    const params = op.params as CreateParams;
    const tried = params.tried ?? [];
    const first = { opId: op.id, ...FIRST_STEPS.create };
    let vm: Vm | null | undefined = scheduled ?? undefined;
    let host: HostRef | undefined;
    for (;;) {
      const step = nextCreateStep({
        cancelRequested: op.cancelRequested,
        opStep: op.step,
        vm: vm && { state: vm.state, hostId: vm.hostId },
      });
      switch (step.kind) {
        case 'overtaken':
          throw new OvertakenError(step.reason);
        case 'missing':
          throw new PermanentError('internal', 'the VM of this operation does not exist');
        case 'read':
          vm = await this.vms.load(op.vmId!);
          break;
        case 'schedule': {
          // moving the VM on reads it in the same statement, and records the step with it
          const begun = await this.vmRepository.beginScheduling({ vmId: op.vmId!, projectId: op.projectId!, ...first });
          if (begun) {
            vm = begun;
            op = { ...op, step: first.step };
          } else if (step.otherwise === 'overtaken') {
            throw new OvertakenError('the VM left pending meanwhile');
          } else {
            vm = await this.vms.load(op.vmId!);
          }
          break;
        }
        case 'place': {
          if (step.recordStep) await this.ops.step(op, 'placing');
          const placed = await this.placement.place(
            vm!,
            params.poolId ?? vm!.poolId ?? undefined,
            tried.map((t) => t.hostId),
            {
              id: op.id,
              step: 'building',
              progress: progressOf(op.kind, 'building'),
            },
            op.startedAt,
          );
          if ('vmGone' in placed) throw new OvertakenError('the VM was deleted while it was being placed');
          // what the claim wrote (the operation's step with it), without reading it back
          vm = { ...vm!, state: 'building', hostId: placed.host.id, epoch: placed.epoch };
          op = { ...op, hostId: placed.host.id, step: 'building' };
          host = placed.host;
          break;
        }
        case 'succeed':
          await this.ops.end(op, { status: 'succeeded' });
          return 'done';
        case 'build':
          host ??= await this.hosts.get(vm!.hostId!);
          if (step.recordStep) await this.ops.step(op, 'building');
          return this.build(op, vm!, host, tried, built);
      }
    }
  }

  /** Builds the domain on the host the VM is placed on; rescheduled when the host failed it and another may try. */
  private async build(
    op: Operation,
    building: Vm,
    host: HostRef,
    tried: HostTried[],
    { vifs, disks: read }: BuildInputs,
  ): Promise<'done' | 'rescheduled'> {
    const [image, disks] = await Promise.all([
      this.vms.image(building.imageId),
      this.vms.disksForBuild(building.id, [...read]),
    ]);
    let domain;
    try {
      domain = await this.hostWork.on(host, op, async (agent) => {
        const opts = { correlationId: op.correlationId ?? undefined };
        await ensureImageOnHost(agent, image, this.config.IMAGE_STORE_DIR, opts);
        return agent.createDomain(
          { spec: domainSpecFor(building, image, building.epoch, vifs, disks), startPaused: false },
          opts,
        );
      });
    } catch (err) {
      const failure = buildFailureOf(err);
      if (!failure) throw err;
      const hostLive = needsLiveness(failure) ? await hostStillLive(this.hosts, host.id) : true;
      const recovery = recoverFromBuildFailure({
        failure,
        hostLive,
        hostsTried: tried.length + 1,
        maxHosts: this.config.BUILD_HOSTS,
      });
      const now = hostTried(host, failure, (err as Error).message, new Date());
      if (recovery === 'again') throw err;
      if (recovery === 'give-up') {
        await this.ops.noteHostsTried(op, [...tried, now]);
        throw gaveUp(err as Error, [...tried, now]);
      }
      await this.reschedule(op, building, host, [...tried, now]);
      return 'rescheduled';
    }
    const powerState = domain.state === DomainState.DOMAIN_STATE_PAUSED ? 'paused' : 'running';
    if (await this.ops.finishBuilt({ vm: building, op, domId: domain.domId, powerState, from: 'building' }))
      return 'done';
    // deleted while building: the delete operation, waiting behind this one, removes the domain
    await this.ops.end(op, {
      status: 'cancelled',
      code: 'vm_deleted',
      message: 'the VM was deleted while it was being built',
    });
    return 'done';
  }

  /**
   * Gives the VM up to another host. A host that refused is told to remove what it half built;
   * one that cannot be reached is not waited for: whatever it built carries this placement's
   * epoch, older than the next one's, and is destroyed as stale when it answers again.
   */
  private async reschedule(op: Operation, vm: Vm, host: HostRef, tried: HostTried[]): Promise<void> {
    const last = tried[tried.length - 1]!;
    this.log.warn(
      { vmId: vm.id, hostId: host.id, failure: last.failure, reason: last.message },
      'the host did not build the VM: placing it elsewhere',
    );
    if (last.failure === 'refused')
      await this.hostWork.now(host, (a) => a.destroyDomain({ vmId: vm.id, purgeStorage: true })).catch(() => undefined);
    await this.ops.returnToScheduling(
      op,
      vm,
      tried,
      `host ${host.name} did not build it (${last.failure}): ${last.message}`.slice(0, 2000),
    );
  }

  /** Nothing leaks: the half-built domain is destroyed, the claim released, the VM marked error. */
  async compensate(op: Operation, error: PermanentError): Promise<void> {
    const vm = await this.vms.load(op.vmId!);
    const undo = createCompensation(vm);
    if (vm && undo.destroyOn) {
      const host = await this.hosts.find(undo.destroyOn);
      if (host) {
        await this.hostWork
          .now(host, (agent) => agent.destroyDomain({ vmId: vm.id, purgeStorage: true }))
          .catch((err: Error) =>
            this.log.warn(
              { vmId: vm.id, err: err.message },
              'could not destroy a half-built domain; reconciliation will',
            ),
          );
      }
    }
    // the VM's allocations released and the VM in error, in the transaction that fails the operation
    await this.ops.endWithVm(
      op,
      vm && undo.toError
        ? {
            vm,
            from: [...CREATE_UNDONE_FROM],
            to: 'error',
            data: vmFailedData(error),
            release: 'first',
          }
        : null,
      { status: 'failed', code: error.code, message: error.message, details: error.details },
    );
  }

  async overtaken(op: Operation, reason: string): Promise<void> {
    await this.ops.end(op, { status: 'cancelled', code: 'vm_deleted', message: reason });
  }
}

/** The build's end when every host it may try failed it: why, host by host (libs/domain buildGiveUp). */
function gaveUp(err: Error, tried: HostTried[]): PermanentError {
  const end = buildGiveUp(
    'build',
    { code: err instanceof PermanentError ? err.code : undefined, message: err.message },
    tried,
  );
  return new PermanentError(end.code, end.message, end.details);
}
