import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type DeclaredDead, HostRepository, type HostRow, PoolRepository } from '@xenplane/db';
import {
  deathVerdict,
  type HostState,
  type LivenessSettings,
  poolWideSilence,
  probeTimeoutMs,
  quorumHoldMs,
  type WitnessAnswer,
} from '@xenplane/domain';
import { currentCorrelationId, getLogger } from '@xenplane/observability';
import { Agents } from '../infra/agents';
import { OperationQueue } from '../infra/operation-queue';

/** States a host may be declared dead from: a host already down, disabled or enrolling is not. */
export const DECLARABLE: readonly HostState[] = ['up', 'suspect', 'unreachable'];

/**
 * Decides whether a host the monitor watched stay silent for its pool's dead timeout is dead,
 * and if so declares it (libs/db failOver): its protected VMs restart elsewhere through the
 * ha-restarts queue, the others stop. Never when more than half of the pool fell silent with it
 * (the control plane is then the one cut off: an alert instead), and only once more than half of
 * its witnesses, asked to reach it, could not and condemned it (libs/domain deathVerdict): a
 * host its peers still reach is `unreachable`, not dead.
 */
@Injectable()
export class DeathCertifier {
  private readonly log = getLogger('ha');

  constructor(
    private readonly hosts: HostRepository,
    private readonly pools: PoolRepository,
    private readonly queue: OperationQueue,
    private readonly agents: Agents,
  ) {}

  /** The state the host is in after judgement: down (declared), unreachable, or suspect (in doubt). */
  async judge(host: HostRow, silentMs: number, settings: LivenessSettings): Promise<HostState> {
    const pool = await this.hosts.read({ poolId: host.poolId });
    const silence = poolWideSilence(pool);
    if (silence.partitioned) {
      if (await this.pools.markPartitioned(host.poolId, silence)) {
        this.log.error(
          { poolId: host.poolId, ...silence },
          'more than half of the pool is silent: assuming the control plane is cut off, restarting nothing',
        );
      }
      return 'suspect';
    }
    const answers = await this.askWitnesses(host, pool, settings);
    const verdict = deathVerdict(host.witnessIds.length, answers, quorumHoldMs(settings));
    switch (verdict.kind) {
      case 'dead': {
        const lost = answers.filter((a) => !a.reachable).length;
        const declared = await this.declare(
          host,
          `no heartbeat for ${Math.round(silentMs / 1000)} s, and ${lost} of its ${host.witnessIds.length} witnesses cannot reach it`,
        );
        return declared.declared ? 'down' : host.state;
      }
      case 'unreachable':
        if (host.state !== 'unreachable')
          this.log.error(
            { hostId: host.id, name: host.name },
            'host silent to the control plane, but its peers reach it: unreachable, nothing restarted',
          );
        return 'unreachable';
      case 'wait':
        this.log.warn(
          { hostId: host.id, waitMs: verdict.ms },
          'its witnesses lost it only lately: waiting out its last quorum',
        );
        return host.state === 'unreachable' ? 'unreachable' : 'suspect';
      case 'undecided':
        return host.state === 'unreachable' ? 'unreachable' : 'suspect';
    }
  }

  /**
   * Asks each of the host's witnesses (those it knew of when it last answered) to reach it; a
   * witness that cannot condemns it. A witness the control plane cannot ask gives no answer.
   */
  private async askWitnesses(
    host: HostRow,
    pool: readonly HostRow[],
    settings: LivenessSettings,
  ): Promise<WitnessAnswer[]> {
    const byId = new Map(pool.map((h) => [h.id, h]));
    const target = { hostId: host.id, address: host.peerAddress ?? host.address };
    const timeoutMs = probeTimeoutMs(settings);
    const asked = await Promise.allSettled(
      host.witnessIds
        .map((id) => byId.get(id))
        .filter((w): w is HostRow => !!w && w.live)
        .map((w) =>
          this.agents.call(w, (c) =>
            c.probeHost(
              { host: target, timeoutMs, condemnForMs: 2 * settings.deadAfterMs },
              { deadlineMs: timeoutMs + 1_000 },
            ),
          ),
        ),
    );
    return asked.flatMap((a) =>
      a.status === 'fulfilled'
        ? [
            {
              reachable: a.value.reachable,
              lastContactAgoMs: a.value.lastContactAgoMs < 0 ? null : Number(a.value.lastContactAgoMs),
            },
          ]
        : [],
    );
  }

  /** Declares the host dead (if it is still in a state it may be declared dead from) and wakes its restarts. */
  async declare(
    host: Pick<HostRow, 'id' | 'name'>,
    reason: string,
    by?: { requestedBy?: string | null; correlationId?: string | null },
  ): Promise<DeclaredDead> {
    // the restarts of one death share a correlation id: the operator's request's, or the
    // monitor's work that certified it
    const correlationId = by?.correlationId ?? currentCorrelationId() ?? randomUUID();
    const result = await this.hosts.declareDead({
      hostId: host.id,
      from: DECLARABLE,
      reason: `host ${host.name} declared dead: ${reason}`,
      ...by,
      correlationId,
    });
    if (!result.declared) return result;
    this.log.error(
      { hostId: host.id, name: host.name, restarts: result.restarts.length, stopped: result.stopped.length, reason },
      'host declared dead',
    );
    await this.queue.wake(
      result.restarts.map((r) => ({
        id: r.id,
        kind: 'ha_restart',
        priority: r.priority,
        correlationId,
      })),
    );
    return result;
  }

  /** Ends the partition episodes of pools whose hosts answer again. */
  async reviewPartitions(poolIds: readonly string[]): Promise<void> {
    for (const poolId of poolIds) {
      if (
        !poolWideSilence(await this.hosts.read({ poolId })).partitioned &&
        (await this.pools.clearPartition(poolId))
      ) {
        this.log.warn({ poolId }, 'the pool answers again: partition over');
      }
    }
  }
}
