import { Inject, Injectable } from '@nestjs/common';
import { type Host, HostRepository, type Operation, type Vm, VmRepository } from '@xenplane/db';
import {
  decideMigrationStep,
  migrationDeadlineMs,
  migrationEnd,
  type MigrationStep,
  migrationStepFailure,
  progressOf,
  type Sighting,
} from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import { DomainState } from '@xenplane/proto';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../../config';
import { AgentNotFound, Agents } from '../../infra/agents';
import { PlacementService } from '../../placement/placement.service';
import { domainSpecFor } from '../domain-spec';
import { HostWork } from '../host-work';
import { OvertakenError, PermanentError, TransientError } from '../operation-errors';
import { OperationStore } from '../operation-store';
import { operationEnded } from '../../metrics/scheduler-metrics';
import { VmStore } from '../vm-store';
import type { OperationHandler } from './handler';

interface MigrateParams {
  targetHostId?: string;
  live?: boolean;
}

/** One migration under way: the VM, the host it runs on and the host it goes to. */
interface Move {
  op: Operation;
  vm: Vm;
  source: Host;
  target: Host;
  /** the epoch of the target's claim, which the moved domain carries */
  epoch: number;
}

const RUNNING = new Set([DomainState.DOMAIN_STATE_RUNNING, DomainState.DOMAIN_STATE_BLOCKED]);

/**
 * running -> migrating -> running on another host. Each step is recorded before its effect:
 * `placing` (the target is chosen), `claimed` (the target's claim of the new epoch, written with
 * the step; the source keeps its own), `migrating` (the source agent moves the domain),
 * `finishing` (one statement moves the VM and releases the source). A job that finds the claim
 * already held — a killed scheduler's, or a retry's — first asks both agents where the domain
 * is and goes on from there (libs/domain decideMigrationStep). A migration that cannot be
 * finished leaves the VM on the source, its target claim released, the operation failed.
 */
@Injectable()
export class MigrateVmHandler implements OperationHandler {
  readonly kinds = ['migrate'] as const;
  private readonly log = getLogger('migrate-vm');

  constructor(
    private readonly hosts: HostRepository,
    private readonly vmRepository: VmRepository,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly ops: OperationStore,
    private readonly vms: VmStore,
    private readonly placement: PlacementService,
    private readonly hostWork: HostWork,
    private readonly agents: Agents,
  ) {}

  async run(op: Operation): Promise<void> {
    const vm = await this.vms.load(op.vmId!);
    if (!vm || vm.state !== 'migrating' || !vm.hostId) throw new OvertakenError(`the VM is ${vm?.state ?? 'gone'}`);
    const source = await this.hosts.get(vm.hostId);
    const claim = await this.vmRepository.migrationTargetClaim(vm);
    if (!claim) {
      await this.ops.step(op, 'placing');
      const params = op.params as MigrateParams;
      const record = { opId: op.id, step: 'claimed', progress: progressOf('migrate', 'claimed') };
      const placed = await this.placement.placeMigration(vm, source, record, params.targetHostId, op.startedAt);
      if ('vmGone' in placed) throw new OvertakenError('the VM left migrating while its target was chosen');
      const target = await this.hosts.get(placed.hostId);
      return this.migrate({ op, vm, source, target, epoch: placed.epoch }, false);
    }
    // a claim from an earlier attempt: the domain may have moved, or be moving
    const move = { op, vm, source, target: await this.hosts.get(claim.hostId), epoch: claim.epoch };
    await this.carryOut(move, await this.nextStep(move, false));
  }

  private async carryOut(move: Move, step: MigrationStep): Promise<void> {
    switch (step.kind) {
      case 'migrate':
        return this.migrate(move, step.clearTarget);
      case 'finish':
        return this.finish(move, step.domId, step.destroySource);
      case 'wait':
      case 'abort':
      case 'vanished': {
        // the end of a failed migration is compensate's: it looks again, once and for all
        const failure = migrationStepFailure(step);
        throw failure.kind === 'transient'
          ? new TransientError(failure.message)
          : new PermanentError(failure.code, failure.message);
      }
    }
  }

  private async migrate(move: Move, clearTarget: boolean): Promise<void> {
    const { op, vm, source, target, epoch } = move;
    await this.ops.step(op, 'migrating');
    // a copy left on the target by an earlier attempt would stand in the way of the new one
    if (clearTarget) await this.agents.call(target, (a) => a.destroyDomain({ vmId: vm.id, purgeStorage: false }));
    const live = (op.params as MigrateParams).live ?? true;
    const deadlineMs = migrationDeadlineMs(vm.memoryMb, live, this.config.AGENT_CALL_TIMEOUT_MS);
    const ticket = await this.agents.migrationTicket({ vmId: vm.id, sourceHostId: source.id, targetHostId: target.id });
    await this.prepareTarget(move);
    let moved;
    try {
      moved = await this.hostWork.on(source, op, (a) =>
        a.migrateDomain(
          {
            vmId: vm.id,
            targetHostId: target.id,
            targetAddress: target.peerAddress ?? target.address,
            live,
            epoch,
            ticket,
          },
          { deadlineMs, correlationId: op.correlationId ?? undefined },
        ),
      );
    } catch (err) {
      if (!(err instanceof AgentNotFound)) throw err;
      // the source has no such domain (any more): see where it went, without migrating again
      const step = await this.nextStep(move, false);
      if (step.kind === 'migrate') throw new TransientError('the source denied having the domain it then reported');
      return this.carryOut(move, step);
    }
    return this.finish(move, moved.targetDomId, false);
  }

  /**
   * What the incoming domain's config names must exist on another host first: a VM whose disks
   * are all on shared storage (or that has none) has them mapped there, and its config drive
   * written (PrepareIncomingMigration). A VM with a local disk is left to the target's own
   * refusal, which names the disks (a live migration carries memory, not local disks).
   */
  private async prepareTarget({ op, vm, source, target, epoch }: Move): Promise<void> {
    if (source.id === target.id) return;
    const disks = await this.vms.disks(vm.id);
    if (disks.some((d) => !d.sharedDevice)) return;
    const [image, vifs] = await Promise.all([this.vms.image(vm.imageId), this.vms.vifs(vm.id)]);
    const spec = domainSpecFor(vm, image, epoch, vifs, disks);
    if (spec.disks.some((d) => !d.sharedDevice)) return; // a VM from before disk rows: a local disk
    await this.hostWork.on(target, op, (a) =>
      a.prepareIncomingMigration({ spec }, { correlationId: op.correlationId ?? undefined }),
    );
  }

  private async finish(move: Move, domId: number, destroySource: boolean): Promise<void> {
    const { op, vm, source, target, epoch } = move;
    await this.ops.step(op, 'finishing');
    // the source's suspended copy goes first: never two copies of one VM
    if (destroySource) await this.agents.call(source, (a) => a.destroyDomain({ vmId: vm.id, purgeStorage: false }));
    if (
      !(await this.vmRepository.finishMigration({
        vm,
        op,
        sourceHostId: source.id,
        targetHostId: target.id,
        epoch,
        domId,
      }))
    ) {
      throw new PermanentError('internal', 'the VM was no longer migrating from its source when the migration ended');
    }
    operationEnded(op, 'succeeded');
    this.log.info({ vmId: vm.id, from: source.name, to: target.name, domId }, 'migrated');
  }

  /** Where the domain is, as both agents say now, and what that means for the migration. */
  private async nextStep(move: Move, final: boolean): Promise<MigrationStep> {
    const [source, target] = await Promise.all([
      this.sighting(move.source, move.vm.id),
      this.sighting(move.target, move.vm.id),
    ]);
    const step = decideMigrationStep({ source, target, epoch: move.epoch, final });
    this.log.info({ vmId: move.vm.id, source, target, step }, 'where the migrating domain is');
    return step;
  }

  private async sighting(host: Host, vmId: string): Promise<Sighting> {
    try {
      const d = await this.agents.call(host, (a) => a.getDomain({ vmId }));
      return { at: 'here', domId: d.domId, epoch: d.epoch, running: RUNNING.has(d.state) };
    } catch (err) {
      if (err instanceof AgentNotFound) return { at: 'absent' };
      return { at: 'unreachable' };
    }
  }

  /**
   * The migration failed for good: the VM ends where its domain is found — on the target if
   * the switch happened after all, else back on the source (or stopped there if the domain
   * runs nowhere) with the target's claim released — and the operation says why.
   */
  async compensate(op: Operation, error: PermanentError): Promise<void> {
    const vm = await this.vms.load(op.vmId!);
    const ended = vm?.state === 'migrating' && vm.hostId ? await this.endWhereTheDomainIs(op, vm, error) : false;
    // the VM was not (or no longer) migrating from its source: only the operation is left to end
    if (!ended)
      await this.ops.end(op, { status: 'failed', code: error.code, message: error.message, details: error.details });
  }

  private async endWhereTheDomainIs(op: Operation, vm: Vm, error: PermanentError): Promise<boolean> {
    const source = await this.hosts.get(vm.hostId!);
    const claim = await this.vmRepository.migrationTargetClaim(vm);
    const move = claim ? { op, vm, source, target: await this.hosts.get(claim.hostId), epoch: claim.epoch } : undefined;
    // no claim on a target: the migration never began, the VM never left its source
    const end = migrationEnd(move ? await this.nextStep(move, true) : undefined, error.message);
    // only a look at both hosts finishes: there is a move whenever the end is a finish
    if (end.kind === 'finish') {
      await this.finish(move!, end.domId, end.destroySource);
      return true;
    }
    if (move && end.destroyTarget) {
      await this.hostWork
        .now(move.target, (a) => a.destroyDomain({ vmId: vm.id, purgeStorage: false }))
        .catch((err: Error) =>
          this.log.warn(
            { vmId: vm.id, err: err.message },
            'could not destroy the copy on the target; reconciliation will',
          ),
        );
    }
    const aborted = await this.vmRepository.abortMigration({
      vm,
      op,
      sourceHostId: source.id,
      outcome: end.outcome,
      error: { code: error.code, message: end.message, details: error.details },
    });
    // the VM back on its source, the migration failed
    if (aborted) operationEnded(op, 'failed');
    return aborted;
  }

  async overtaken(op: Operation, reason: string): Promise<void> {
    await this.ops.end(op, { status: 'cancelled', code: 'cancelled', message: reason });
  }
}
