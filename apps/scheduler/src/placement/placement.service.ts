import { Inject, Injectable } from '@nestjs/common';
import {
  type ClaimedHost,
  type ClaimOutcome,
  ClaimRepository,
  type ClaimRequest,
  type Host,
  placementPolicy,
  ServerGroupRepository,
  type Vm,
} from '@xenplane/db';
import { decide, type FilterCount, migrationRequest, type PlacementRequest, targetRefusal } from '@xenplane/domain';
import { getLogger, step } from '@xenplane/observability';
import { PermanentError, WaitError } from '../operations/operation-errors';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { CapacityCache } from './capacity-cache';
import { StatementBatcher } from '../infra/statement-batcher';
import { claimConflicts, placementDecisionSeconds, placementRetries, stepMovedOn } from '../metrics/scheduler-metrics';

export type PlacementOutcome = { host: ClaimedHost; epoch: number } | { vmGone: true };
export type MigrationPlacement = { hostId: string; epoch: number } | { vmGone: true };

// rounds of decide-then-claim before giving up to concurrent placements; each round after a
// lost race decides again on fresh figures, so a pool with room left is not given up on
const MAX_ROUNDS = 10;
const CANDIDATES = 8;
// a decision in a larger pool looks at this many hosts from a random place first, and at all
// of them only when none of those can take the VM (so no_valid_host still counts every host).
// The best of 250 random hosts spreads as well as the best of 1,000 for practical purposes, at a
// quarter of the cost: with claims batched, the decision was half of a placement's CPU.
export const SAMPLE_WINDOW = 250;
// a placement waiting for hosts in doubt looks again this often
const DOUBT_RETRY_MS = 500;

/**
 * Decides where a VM goes and claims it there: the placement engine ranks the hosts of the
 * capacity cache, and the best is claimed by one conditional write (concurrent placements'
 * claims share a statement: StatementBatcher over claimHosts); a lost race moves on to the next candidate, then to
 * a fresh decision.
 */
@Injectable()
export class PlacementService {
  private readonly log = getLogger('placement');
  private readonly claims: StatementBatcher<ClaimRequest, ClaimOutcome>;

  constructor(
    private readonly claimRows: ClaimRepository,
    private readonly groups: ServerGroupRepository,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly cache: CapacityCache,
  ) {
    this.claims = new StatementBatcher((batch) => claimRows.claimHosts(batch));
  }

  /**
   * `operation`: the placing operation, moved to its next step by the claim itself; `since`:
   * when it began (it waits for hosts in doubt until PLACEMENT_DOUBT_WAIT_MS after, see noHost)
   */
  async place(
    vm: Vm,
    poolId: string | undefined,
    excludeHostIds: readonly string[] = [],
    operation?: ClaimRequest['operation'],
    since?: Date | null,
  ): Promise<PlacementOutcome> {
    const placed = await step('placement', () =>
      this.placeWith('build', vm, poolId, excludeHostIds, since, (claim, hardGroup) =>
        hardGroup
          ? this.claimRows.claimHostInGroup({ ...claim, serverGroup: hardGroup })
          : this.claims.submit({ ...claim, ...(operation ? { operation } : {}) }),
      ),
    );
    if (operation && 'host' in placed) stepMovedOn(operation.id, operation.step);
    return placed;
  }

  /**
   * An HA restart's placement: the normal engine (filters, weighers, anti-affinity) over the
   * live hosts, the VM's claim moved from the dead host to the chosen one by claimRestart, which
   * also records the operation's next step. The VM stays `recovering` until its domain runs.
   */
  async placeRestart(
    vm: Vm,
    excludeHostIds: readonly string[],
    record: { opId: string; step: string; progress: number },
    since?: Date | null,
  ): Promise<PlacementOutcome> {
    const placed = await step('placement', () =>
      this.placeWith('restart', vm, vm.poolId ?? undefined, excludeHostIds, since, (claim, hardGroup) => {
        const restart = { ...claim, fromHostId: vm.hostId, ...record };
        return hardGroup
          ? this.claimRows.claimRestartInGroup(restart, hardGroup)
          : this.claimRows.claimRestart(restart);
      }),
    );
    if ('host' in placed) stepMovedOn(record.opId, record.step);
    return placed;
  }

  private async placeWith(
    placement: 'build' | 'restart',
    vm: Vm,
    poolId: string | undefined,
    excludeHostIds: readonly string[],
    since: Date | null | undefined,
    claimOn: (
      claim: Omit<ClaimRequest, 'operation' | 'serverGroup'>,
      hardGroup: ClaimRequest['serverGroup'],
    ) => Promise<ClaimOutcome>,
  ): Promise<PlacementOutcome> {
    const group = vm.serverGroupId ? await this.groups.find(vm.serverGroupId) : null;
    const memberHostIds = group ? await this.groups.memberHostIds(group.id, vm.id) : [];
    const epoch = vm.epoch + 1;
    const resources = { vcpus: vm.vcpus, memoryMb: vm.memoryMb, diskGb: vm.diskGb };
    const haProtected = vm.haPriority !== 'none';
    const request: PlacementRequest = {
      resources,
      guestType: vm.guestType,
      ...(poolId ? { poolId } : {}),
      haProtected,
      ...(excludeHostIds.length ? { excludeHostIds } : {}),
      ...(group ? { serverGroup: { policy: placementPolicy(group.policy), memberHostIds } } : {}),
    };
    const hardGroup =
      group && (group.policy === 'affinity' || group.policy === 'anti_affinity')
        ? { id: group.id, policy: group.policy }
        : undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (round > 0) placementRetries.inc({ placement });
      await this.cache.fresh(round > 0);
      const decision = this.timed(placement, () => this.decide(request));
      if (!decision.ok) {
        const removed = decision.filters.filter((f) => f.removed > 0).map((f) => `${f.removed} by ${f.filter}`);
        throw this.noHost(
          `no host can take this VM (${decision.hostsConsidered} considered: ${removed.join(', ') || 'none known'})`,
          decision,
          poolId,
          since,
        );
      }
      for (const hostId of decision.candidates) {
        this.cache.reserve(hostId, resources, haProtected);
        // each claim a step: one lost to a concurrent placement shows as a claim with its result
        const outcome = await step(
          'claim',
          async (s) => {
            const o = await claimOn({ vmId: vm.id, hostId, ...resources, epoch }, hardGroup);
            s.set('claim.result', o.result);
            return o;
          },
          { attributes: { 'host.id': hostId, 'placement.round': round } },
        );
        const result = outcome.result;
        if (outcome.result === 'claimed') return { host: outcome.host, epoch };
        this.cache.unreserve(hostId, resources, haProtected);
        if (result === 'vm_gone') return { vmGone: true };
        claimConflicts.inc({ placement, result });
        this.log.debug({ vmId: vm.id, hostId, result }, 'claim lost, trying the next candidate');
        await this.cache.reloadHost(hostId);
        if (result === 'group_conflict' && request.serverGroup) {
          request.serverGroup = {
            ...request.serverGroup,
            memberHostIds: await this.groups.memberHostIds(group!.id, vm.id),
          };
          break;
        }
      }
    }
    throw new PermanentError('no_valid_host', 'every candidate host was taken by concurrent placements', {
      rounds: MAX_ROUNDS,
    });
  }

  /**
   * Chooses a migration's target and claims it there, the VM keeping its source claim: the
   * operator's host if every filter lets it through (else the filter that did not says why),
   * or the engine's best among the other hosts of the VM's pool. The claim records the
   * operation's step with it (`record`).
   */
  async placeMigration(
    vm: Vm,
    source: Host,
    record: { opId: string; step: string; progress: number },
    targetHostId?: string,
    since?: Date | null,
  ): Promise<MigrationPlacement> {
    const group = vm.serverGroupId ? await this.groups.find(vm.serverGroupId) : null;
    const resources = { vcpus: vm.vcpus, memoryMb: vm.memoryMb, diskGb: vm.diskGb };
    const haProtected = vm.haPriority !== 'none';
    // the group's members are looked up again after a claim finds them moved
    const requestNow = async () =>
      migrationRequest(
        { resources, guestType: vm.guestType, haProtected },
        source,
        group
          ? { policy: placementPolicy(group.policy), memberHostIds: await this.groups.memberHostIds(group.id, vm.id) }
          : undefined,
      );
    let request = await requestNow();
    const claim = {
      vmId: vm.id,
      sourceHostId: source.id,
      ...resources,
      epoch: vm.epoch + 1,
      ...record,
      ...(group ? { serverGroup: { id: group.id, policy: group.policy } } : {}),
    };
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (round > 0) placementRetries.inc({ placement: 'migration' });
      await this.cache.fresh(round > 0);
      const target = targetHostId ? this.targetHost(targetHostId) : undefined;
      const decision = this.timed('migration', () =>
        target
          ? decide(
              request,
              { hosts: [target], pools: this.cache.pools },
              { maxCandidates: 1, stats: this.cache.stats() },
            )
          : this.decide(request),
      );
      if (!decision.ok) {
        const removed = decision.filters.filter((f) => f.removed > 0).map((f) => `${f.removed} by ${f.filter}`);
        const why = target
          ? targetRefusal(target.name, decision.filters)
          : `no other host of the pool can take this VM (${decision.hostsConsidered} considered: ${removed.join(', ')})`;
        throw target
          ? new PermanentError('no_valid_host', why, {
              hostsConsidered: decision.hostsConsidered,
              filters: decision.filters,
            })
          : this.noHost(why, decision, source.poolId, since);
      }
      for (const hostId of decision.candidates) {
        this.cache.reserve(hostId, resources, haProtected);
        const result = await this.claimRows.claimMigrationTarget({ ...claim, hostId });
        if (result === 'claimed') {
          stepMovedOn(record.opId, record.step);
          return { hostId, epoch: claim.epoch };
        }
        this.cache.unreserve(hostId, resources, haProtected);
        if (result === 'vm_gone') return { vmGone: true };
        claimConflicts.inc({ placement: 'migration', result });
        await this.cache.reloadHost(hostId);
        if (result === 'group_conflict') {
          request = await requestNow();
          break;
        }
      }
    }
    throw new PermanentError('no_valid_host', 'every candidate host was taken by concurrent placements', {
      rounds: MAX_ROUNDS,
    });
  }

  /**
   * No host can take the VM now. If some host of the pool is up but has not been heard from
   * lately (a scheduler just started finds every heartbeat old until the monitor's first round;
   * a host blinks), that may change in a moment: the operation waits (visibly, without spending
   * an attempt) until PLACEMENT_DOUBT_WAIT_MS after it began, then fails with the reason.
   */
  private noHost(
    why: string,
    decision: { hostsConsidered: number; filters: FilterCount[] },
    poolId: string | undefined,
    since: Date | null | undefined,
  ): Error {
    const inDoubt = this.cache.inDoubt(poolId);
    if (inDoubt > 0 && Date.now() < (since ?? new Date()).getTime() + this.config.PLACEMENT_DOUBT_WAIT_MS) {
      return new WaitError(DOUBT_RETRY_MS, `${why}; ${inDoubt} hosts up but not heard from lately: waiting for them`);
    }
    return new PermanentError('no_valid_host', why, {
      hostsConsidered: decision.hostsConsidered,
      filters: decision.filters,
    });
  }

  /** An operator's target, which the engine then looks at alone (so the filter that removes it says why). */
  private targetHost(hostId: string) {
    const host = this.cache.hosts.get(hostId);
    if (!host) throw new PermanentError('no_valid_host', `there is no host ${hostId}`);
    return host;
  }

  /** A decision of the engine, timed into xenplane_placement_decision_seconds. */
  private timed<T>(placement: 'build' | 'restart' | 'migration', decideNow: () => T): T {
    const end = placementDecisionSeconds.startTimer({ placement });
    try {
      return decideNow();
    } finally {
      end();
    }
  }

  /** Sampled first in large pools (server-group members are few: those look at every host). */
  private decide(request: PlacementRequest) {
    const o = { maxCandidates: CANDIDATES, stats: this.cache.stats() };
    if (this.cache.hosts.size > SAMPLE_WINDOW && !request.serverGroup) {
      const sampled = decide(request, this.cache.sampleView(SAMPLE_WINDOW), o);
      if (sampled.ok) return sampled;
    }
    return decide(request, this.cache.view(), o);
  }
}
