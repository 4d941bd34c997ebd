import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { HostRepository, OperationRepository, PoolRepository } from '@xenplane/db';
import { byRestartPriority, DECLARABLE_DEAD_FROM, declareDeadRefusal } from '@xenplane/domain';
import { currentCorrelationId, getLogger } from '@xenplane/observability';
import type { Principal } from '../common/auth/principal';
import { conflict, invalid, notFound } from '../common/errors/api-errors';
import { OperationQueue } from '../infra/queue.module';
import { OperationView, presentOperation } from '../operations/operation.view';
import { HostView } from './host.dto';
import { hostViews } from './host-views';

export class DeclareDeadDto {
  @ApiProperty({
    description: "The host's name, typed again: declaring a host dead restarts its protected VMs elsewhere at once",
  })
  @IsString()
  @MaxLength(100)
  confirm!: string;
}

export class DeclaredDeadView {
  @ApiProperty({ type: HostView }) host!: HostView;
  @ApiProperty({
    type: [OperationView],
    description: 'One ha_restart operation per HA-protected VM, high priority first',
  })
  restarts!: OperationView[];
  @ApiProperty({ type: [String], description: 'VMs stopped with reason host_lost (not protected, or being stopped)' })
  stoppedVmIds!: string[];
}

/**
 * An operator declares a host dead by hand (one known powered off): its protected VMs restart
 * elsewhere without waiting for the dead timeout and its peers' verdict. A host that answers
 * heartbeats is not dead, whatever anyone types.
 */
@Injectable()
export class DeclareDeadService {
  private readonly log = getLogger('declare-dead');

  constructor(
    private readonly hosts: HostRepository,
    private readonly pools: PoolRepository,
    private readonly operations: OperationRepository,
    private readonly queue: OperationQueue,
  ) {}

  async declare(principal: Principal, hostId: string, dto: DeclareDeadDto): Promise<DeclaredDeadView> {
    const [host] = await this.hosts.read({ ids: [hostId] });
    if (!host) throw notFound('host', hostId);
    const refusal = declareDeadRefusal(host, dto.confirm);
    if (refusal)
      throw refusal.kind === 'invalid'
        ? invalid(refusal.field, refusal.message)
        : conflict(refusal.message, refusal.extra);
    const result = await this.hosts.declareDead({
      hostId,
      from: [...DECLARABLE_DEAD_FROM],
      reason: `host ${host.name} declared dead by an operator`,
      requestedBy: principal.tokenId,
      correlationId: currentCorrelationId() ?? null,
    });
    if (!result.declared) throw conflict(`host ${host.name} changed state meanwhile; retry`);
    await this.queue.wake(
      result.restarts.map((r) => ({
        id: r.id,
        kind: 'ha_restart' as const,
        priority: r.priority,
        correlationId: currentCorrelationId() ?? null,
      })),
    );
    this.log.warn(
      { hostId, name: host.name, restarts: result.restarts.length, stopped: result.stopped.length },
      'host declared dead by an operator',
    );
    const restarts = await this.operations.withIds(result.restarts.map((r) => r.id));
    const priorityOf = (id: string) => result.restarts.find((r) => r.id === id)!.priority;
    return {
      host: (await hostViews({ hosts: this.hosts, pools: this.pools }, { ids: [hostId] }))[0]!,
      restarts: byRestartPriority(restarts, (op) => priorityOf(op.id)).map(presentOperation),
      stoppedVmIds: result.stopped,
    };
  }
}
