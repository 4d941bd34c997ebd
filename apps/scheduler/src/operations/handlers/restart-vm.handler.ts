import { Inject, Injectable } from '@nestjs/common';
import { HostRepository, type Operation, OperationRepository, type Vm, VmRepository } from '@xenplane/db';
import {
  buildGiveUp,
  type HaPriority,
  higherPriorities,
  hostTried,
  type HostTried,
  jitteredWaitMs,
  needsLiveness,
  nextRestartStep,
  progressOf,
  recoverFromBuildFailure,
  restartLeftCopy,
  restartPlacementLost,
  restartTurnWait,
} from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import { DomainState } from '@xenplane/proto';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../../config';
import { PlacementService } from '../../placement/placement.service';
import { domainSpecFor } from '../domain-spec';
import { ensureImageOnHost } from '../image-push';
import { type HostRef, HostWork } from '../host-work';
import { buildFailureOf, hostStillLive } from '../build-failures';
import { OvertakenError, PermanentError, WaitError } from '../operation-errors';
import { OperationStore } from '../operation-store';
import { VmStore } from '../vm-store';
import type { OperationHandler } from './handler';

interface RestartParams {
  priority: Exclude<HaPriority, 'none'>;
  deadHostId: string;
  poolId: string;
  tried?: HostTried[];
}

/**
 * ha_restart: a protected VM of a host declared dead runs again elsewhere. It stays `recovering`
 * throughout: placed by the normal engine (the dead host excluded, anti-affinity kept) once every
 * restart of a higher priority in its pool is placed; its claim moves from the dead host to the
 * new one in one statement, with a new epoch (so the copy the dead host may still hold is stale
 * everywhere); then built like a create, moving on from a host that fails it. With no room it
 * waits, visible as `waiting_for_capacity`, and tries again by itself.
 */
@Injectable()
export class RestartVmHandler implements OperationHandler {
  readonly kinds = ['ha_restart'] as const;
  private readonly log = getLogger('ha-restart');

  constructor(
    private readonly hosts: HostRepository,
    private readonly vmRepository: VmRepository,
    private readonly operations: OperationRepository,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly ops: OperationStore,
    private readonly vms: VmStore,
    private readonly placement: PlacementService,
    private readonly hostWork: HostWork,
  ) {}

  async run(op: Operation, taken?: Vm | null): Promise<void> {
    let vm = taken !== undefined ? taken : await this.vms.load(op.vmId!);
    for (;;) {
      const params = op.params as unknown as RestartParams;
      const step = nextRestartStep({
        cancelRequested: op.cancelRequested,
        opStep: op.step,
        deadHostId: params.deadHostId,
        vm,
      });
      if (step.kind === 'overtaken') throw new OvertakenError(step.reason);
      const placedHere = step.kind === 'build-here';
      const host = placedHere ? await this.hostOf(vm!.hostId!) : await this.place(op, vm!, params);
      if (host === 'gone') throw new OvertakenError('the VM was deleted or taken back while it was being placed');
      const placed = placedHere ? vm : await this.vms.load(vm!.id);
      const lost = restartPlacementLost(placed, host.id);
      if (lost) throw new OvertakenError(lost);
      if (await this.build(op, placed!, host, params)) return;
      // the host did not build it: placed again, elsewhere
      op = (await this.ops.load(op.id))!;
      vm = await this.vms.load(vm!.id);
    }
  }

  /** Waits for its turn (higher priorities first) and for room, then claims a host for the VM. */
  private async place(op: Operation, vm: Vm, params: RestartParams): Promise<HostRef | 'gone'> {
    const ahead = await this.operations.restartsAhead(params.poolId, higherPriorities(params.priority));
    const turn = restartTurnWait(ahead);
    if (turn) throw new WaitError(jitteredWaitMs(100, 100, Math.random()), turn);
    if (op.step !== 'placing') await this.ops.step(op, 'placing');
    const exclude = [params.deadHostId, ...(params.tried ?? []).map((t) => t.hostId)];
    try {
      const placed = await this.placement.placeRestart(
        vm,
        exclude,
        { opId: op.id, step: 'building', progress: progressOf('ha_restart', 'building') },
        op.startedAt,
      );
      return 'vmGone' in placed ? 'gone' : placed.host;
    } catch (err) {
      if (!(err instanceof PermanentError) || err.code !== 'no_valid_host') throw err;
      // no room now: waits (not failed), tried again by itself; a returning host or a deleted VM makes room
      await this.ops.waitingForCapacity(op, err.message);
      throw new WaitError(this.config.HA_CAPACITY_RETRY_MS, err.message);
    }
  }

  /** Builds the VM on its new host; false when the host failed it and the VM must be placed again. */
  private async build(op: Operation, vm: Vm, host: HostRef, params: RestartParams): Promise<boolean> {
    const [image, vifs, disks] = await Promise.all([
      this.vms.image(vm.imageId),
      this.vms.vifs(vm.id),
      this.vms.disksForBuild(vm.id),
    ]);
    let domain;
    try {
      domain = await this.hostWork.on(host, op, async (agent) => {
        const opts = { correlationId: op.correlationId ?? undefined };
        await ensureImageOnHost(agent, image, this.config.IMAGE_STORE_DIR, opts);
        return agent.createDomain({ spec: domainSpecFor(vm, image, vm.epoch, vifs, disks), startPaused: false }, opts);
      });
    } catch (err) {
      const failure = buildFailureOf(err);
      if (!failure) throw err;
      const tried = params.tried ?? [];
      const hostLive = needsLiveness(failure) ? await hostStillLive(this.hosts, host.id) : true;
      const recovery = recoverFromBuildFailure({
        failure,
        hostLive,
        hostsTried: tried.length + 1,
        maxHosts: this.config.BUILD_HOSTS,
      });
      if (recovery === 'again') throw err;
      const now = hostTried(host, failure, (err as Error).message, new Date());
      await this.ops.noteHostsTried(op, [...tried, now]);
      if (recovery === 'give-up') {
        const end = buildGiveUp(
          'restart',
          { code: err instanceof PermanentError ? err.code : undefined, message: (err as Error).message },
          [...tried, now],
        );
        throw new PermanentError(end.code, end.message, end.details);
      }
      this.log.warn({ vmId: vm.id, hostId: host.id, failure }, 'the host did not restart the VM: placing it elsewhere');
      if (failure === 'refused')
        await this.hostWork
          .now(host, (a) => a.destroyDomain({ vmId: vm.id, purgeStorage: true }))
          .catch(() => undefined);
      await this.vmRepository.releaseRecoveringClaim(vm.id, host.id);
      await this.ops.step(op, 'placing');
      return false;
    }
    const powerState = domain.state === DomainState.DOMAIN_STATE_PAUSED ? 'paused' : 'running';
    if (await this.ops.finishBuilt({ vm, op, domId: domain.domId, powerState, from: 'recovering' })) {
      this.log.info(
        { vmId: vm.id, hostId: host.id, priority: params.priority, deadHostId: params.deadHostId },
        'VM restarted',
      );
      return true;
    }
    // deleted (or taken back by its returning host) meanwhile: whoever did owns the domain now
    await this.ops.end(op, {
      status: 'cancelled',
      code: 'cancelled',
      message: 'the VM left recovering while it was being restarted',
    });
    return true;
  }

  /** The restart failed for good: the VM is in error, holding no claim, and the operation says why. */
  async compensate(op: Operation, error: PermanentError): Promise<void> {
    const vm = await this.vms.load(op.vmId!);
    if (restartLeftCopy(vm, (op.params as unknown as RestartParams).deadHostId)) {
      const host = await this.hostOf(vm!.hostId!);
      await this.hostWork
        .now(host, (a) => a.destroyDomain({ vmId: vm!.id, purgeStorage: true }))
        .catch(() => undefined);
    }
    // the VM in error, its allocations released once it is, in the transaction that fails the operation
    await this.ops.endWithVm(
      op,
      vm && vm.state === 'recovering'
        ? {
            vm,
            from: 'recovering',
            to: 'error',
            data: {
              hostId: null,
              domId: null,
              errorCode: error.code,
              errorMessage: `restart failed: ${error.message}`.slice(0, 2000),
            },
            release: 'if-moved',
          }
        : null,
      { status: 'failed', code: error.code, message: error.message, details: error.details },
    );
  }

  async overtaken(op: Operation, reason: string): Promise<void> {
    await this.ops.end(op, { status: 'cancelled', code: 'cancelled', message: reason });
  }

  private async hostOf(hostId: string): Promise<HostRef> {
    return this.hosts.address(hostId);
  }
}
