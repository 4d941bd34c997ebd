import { Inject, Injectable } from '@nestjs/common';
import { clearPoolPartition, DB, type Db, type DeclaredDead, failOver, type HostRow, markPoolPartitioned, readHosts } from '@xenplane/db';
import { type HostState, poolWideSilence } from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import { OperationQueue } from '../infra/operation-queue';

/** States a host may be declared dead from: a host already down, disabled or enrolling is not. */
export const DECLARABLE: readonly HostState[] = ['up', 'suspect', 'unreachable'];

/**
 * Decides whether a host the monitor watched stay silent for its pool's dead timeout is dead,
 * and if so declares it (libs/db failOver): its protected VMs restart elsewhere through the
 * ha-restarts queue, the others stop. Never when more than half of the pool fell silent with it:
 * then the control plane is the one cut off, and it raises an alert instead.
 */
@Injectable()
export class DeathCertifier {
  private readonly log = getLogger('ha');

  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly queue: OperationQueue,
  ) {}

  /** The state the host is in after judgement. */
  async judge(host: HostRow, silentMs: number): Promise<HostState> {
    const silence = poolWideSilence(await readHosts(this.db, { poolId: host.poolId }));
    if (silence.partitioned) {
      if (await markPoolPartitioned(this.db, host.poolId, silence)) {
        this.log.error({ poolId: host.poolId, ...silence }, 'more than half of the pool is silent: assuming the control plane is cut off, restarting nothing');
      }
      return host.state;
    }
    const declared = await this.declare(host, `no heartbeat for ${Math.round(silentMs / 1000)} s`);
    return declared.declared ? 'down' : host.state;
  }

  /** Declares the host dead (if it is still in a state it may be declared dead from) and wakes its restarts. */
  async declare(host: Pick<HostRow, 'id' | 'name'>, reason: string, by?: { requestedBy?: string | null; correlationId?: string | null }): Promise<DeclaredDead> {
    const result = await failOver(this.db, { hostId: host.id, from: DECLARABLE, reason: `host ${host.name} declared dead: ${reason}`, ...by });
    if (!result.declared) return result;
    this.log.error({ hostId: host.id, name: host.name, restarts: result.restarts.length, stopped: result.stopped.length, reason }, 'host declared dead');
    await this.queue.wake(result.restarts.map((r) => ({ id: r.id, kind: 'ha_restart', priority: r.priority, correlationId: by?.correlationId ?? null })));
    return result;
  }

  /** Ends the partition episodes of pools whose hosts answer again. */
  async reviewPartitions(poolIds: readonly string[]): Promise<void> {
    for (const poolId of poolIds) {
      if (!poolWideSilence(await readHosts(this.db, { poolId })).partitioned && (await clearPoolPartition(this.db, poolId))) {
        this.log.warn({ poolId }, 'the pool answers again: partition over');
      }
    }
  }
}
