import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { HostRepository, OperationRepository, PoolRepository, VmRepository } from '@xenplane/db';
import { failuresTolerated, HOST_STATES, restartQueued, restartRunning, restartWaiting } from '@xenplane/domain';
import { notFound } from '../common/errors/api-errors';

class ProtectedVmsView {
  @ApiProperty() high!: number;
  @ApiProperty() medium!: number;
  @ApiProperty() low!: number;
}

class HostsByLivenessView {
  @ApiProperty() enrolling!: number;
  @ApiProperty() up!: number;
  @ApiProperty() suspect!: number;
  @ApiProperty() unreachable!: number;
  @ApiProperty() down!: number;
  @ApiProperty() maintenance!: number;
  @ApiProperty() disabled!: number;
  @ApiProperty({
    description: "Up, and heard from within the pool's suspect timeout: the hosts that take VMs and restarts",
  })
  placeable!: number;
}

class RestartsView {
  @ApiProperty({ description: 'HA restarts being placed or built' }) running!: number;
  @ApiProperty({
    description:
      'HA restarts with no room for their VM now (waiting_for_capacity): they start by themselves when room appears',
  })
  waiting!: number;
  @ApiProperty({ description: 'HA restarts queued behind restarts of a higher priority, or not yet taken up' })
  queued!: number;
}

export class PoolHaView {
  @ApiProperty({ format: 'uuid' }) poolId!: string;
  @ApiProperty({
    description:
      "How many hosts the pool can lose now with every HA-protected VM of theirs restarted on the others (the HA reserve filter's own rule)",
  })
  failuresTolerated!: number;
  @ApiProperty({ description: 'haHostFailuresToTolerate: what placement keeps room for' }) target!: number;
  @ApiProperty({ type: ProtectedVmsView }) protectedVms!: ProtectedVmsView;
  @ApiProperty({ type: HostsByLivenessView }) hosts!: HostsByLivenessView;
  @ApiProperty({ type: RestartsView }) restarts!: RestartsView;
  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'Set while more than half of the pool is silent: the control plane assumes it is cut off and restarts nothing',
  })
  partitionedSince?: string;
}

/** A pool's HA plan and state: GET /v1/pools/:id/ha. */
export async function poolHa(
  repos: { pools: PoolRepository; hosts: HostRepository; vms: VmRepository; operations: OperationRepository },
  poolId: string,
): Promise<PoolHaView> {
  const [{ placementHosts, pools }, pool] = await Promise.all([repos.hosts.placementState(), repos.pools.find(poolId)]);
  const placement = pools.get(poolId);
  if (!pool || !placement) throw notFound('pool', poolId);
  const hosts = [...placementHosts.values()].filter((h) => h.poolId === poolId);
  const [protectedVms, restarts] = await Promise.all([
    repos.vms.protectedCountsByPriority(poolId),
    repos.operations.haRestartsByStep(poolId),
  ]);
  const byState = Object.fromEntries(HOST_STATES.map((s) => [s, hosts.filter((h) => h.state === s).length])) as Record<
    (typeof HOST_STATES)[number],
    number
  >;
  const count = (p: string) => protectedVms.find((g) => g.haPriority === p)?.count ?? 0;
  const restartsWhere = (f: (r: { step: string | null; status: string }) => boolean) =>
    restarts.filter(f).reduce((n, r) => n + r.n, 0);
  return {
    poolId,
    failuresTolerated: failuresTolerated(hosts, placement),
    target: pool.haHostFailuresToTolerate,
    protectedVms: { high: count('high'), medium: count('medium'), low: count('low') },
    hosts: { ...byState, placeable: hosts.filter((h) => h.state === 'up' && h.live).length },
    restarts: {
      waiting: restartsWhere(restartWaiting),
      running: restartsWhere(restartRunning),
      queued: restartsWhere(restartQueued),
    },
    ...(pool.partitionedSince ? { partitionedSince: pool.partitionedSince.toISOString() } : {}),
  };
}
