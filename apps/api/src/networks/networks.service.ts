import { Injectable } from '@nestjs/common';
import { NetworkRepository, PoolRepository } from '@xenplane/db';
import { clashingNetwork, planNetwork } from '@xenplane/domain';
import { isGlobal, type Principal } from '../common/auth/principal';
import { ApiError, conflict, notFound } from '../common/errors/api-errors';
import { readPage } from '../common/http/cursor';
import { isUniqueViolation } from '../common/http/unique';
import type { NamedPageQuery } from '../common/http/page-query';
import type { Page } from '../common/http/page-view';
import type { CreateNetworkDto, ListNetworksQuery, NetworkView, UpdateNetworkDto } from './network.dto';
import { presentNetwork } from './network.dto';

// two requests made two networks of one pool its default at once: the partial unique index kept one
const DEFAULT_RACE = "the pool's default network was changed by another request meanwhile: try again";

@Injectable()
export class NetworksService {
  constructor(
    private readonly networks: NetworkRepository,
    private readonly pools: PoolRepository,
  ) {}

  /** A network in a pool, checked whole (libs/domain planNetwork) and against the pool's others on its bridge. */
  async create(poolId: string, dto: CreateNetworkDto): Promise<NetworkView> {
    if (!(await this.pools.exists(poolId))) throw notFound('pool', poolId);
    const planned = planNetwork(dto);
    if (!planned.ok)
      throw new ApiError(
        'validation_failed',
        planned.errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        planned.errors,
      );
    const { capacity: _, ...plan } = planned.plan;
    const clash = clashingNetwork(plan, await this.networks.blocksInPool(poolId));
    if (clash)
      throw conflict(
        `network ${clash.name} (${clash.cidr}) is on bridge ${clash.bridge} too and overlaps ${plan.cidr}`,
        {
          network: clash.name,
        },
      );
    try {
      const created = await this.networks.create({ ...plan, poolId, name: dto.name, isDefault: dto.default ?? false });
      return presentNetwork({ ...created, allocated: 0 }, true);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const taken = (await this.networks.list({ poolId })).some((n) => n.name === dto.name);
      throw conflict(taken ? `the pool already has a network named ${dto.name}` : DEFAULT_RACE);
    }
  }

  async listInPool(poolId: string, q: NamedPageQuery): Promise<Page<NetworkView>> {
    if (!(await this.pools.exists(poolId))) throw notFound('pool', poolId);
    return this.page({ poolId, ...(q.name !== undefined ? { name: q.name } : {}) }, q, true);
  }

  /** Every network (pools are open to every project): tenants see less of each (presentNetwork). */
  list(p: Principal, q: ListNetworksQuery): Promise<Page<NetworkView>> {
    const filter = { ...(q.poolId ? { poolId: q.poolId } : {}), ...(q.name !== undefined ? { name: q.name } : {}) };
    return this.page(filter, q, isGlobal(p));
  }

  private page(filter: { poolId?: string; name?: string }, q: NamedPageQuery, whole: boolean) {
    return readPage(
      q,
      (after, take) => this.networks.listPage(filter, after, take),
      (rows) => rows.map((n) => presentNetwork(n, whole)),
    );
  }

  async update(id: string, dto: UpdateNetworkDto): Promise<NetworkView> {
    if (dto.default !== undefined) {
      const set = await this.networks.setDefault(id, dto.default).catch((err: unknown) => {
        throw isUniqueViolation(err) ? conflict(DEFAULT_RACE) : err;
      });
      if (!set) throw notFound('network', id);
    }
    const n = await this.networks.find(id);
    if (!n) throw notFound('network', id);
    return presentNetwork(n, true);
  }

  /** Refused while any VM holds one of its addresses: deleting those VMs gives them back. */
  async delete(id: string): Promise<void> {
    const outcome = await this.networks.deleteUnused(id);
    if (!outcome) throw notFound('network', id);
    if (!outcome.deleted)
      throw conflict(`network ${id} still has ${outcome.allocated} addresses held by VMs: delete those VMs first`, {
        allocated: outcome.allocated,
      });
  }
}
