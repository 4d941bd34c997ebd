import { Injectable } from '@nestjs/common';
import {
  CatalogRepository,
  HostRepository,
  placementPolicy,
  PoolRepository,
  ServerGroupRepository,
} from '@xenplane/db';
import { decideBatch, hostsOf, type PlacementRequest, type Resources } from '@xenplane/domain';
import { invalid } from '../common/errors/api-errors';
import { resolveFlavor, resolveImage } from '../vms/catalog-lookup';
import type { DryRunDto, DryRunView } from './dry-run.dto';

/** The scheduler's own decision (libs/domain) over the hosts as Postgres has them now. */
@Injectable()
export class DryRunService {
  constructor(
    private readonly hosts: HostRepository,
    private readonly pools: PoolRepository,
    private readonly catalog: CatalogRepository,
    private readonly groups: ServerGroupRepository,
  ) {}

  async run(dto: DryRunDto): Promise<DryRunView> {
    const request = await this.request(dto);
    const { placementHosts, pools } = await this.hosts.placementState();
    const count = dto.count ?? 1;
    const decision = decideBatch(
      Array.from({ length: count }, () => request),
      { hosts: hostsOf(placementHosts), pools },
    );
    const name = (id: string) => placementHosts.get(id)?.name ?? id;
    if (!decision.ok) {
      return {
        placeable: false,
        hostsConsidered: decision.hostsConsidered,
        filters: decision.filters,
        placements: [],
        failedIndex: decision.index,
      };
    }
    return {
      placeable: true,
      hostsConsidered: decision.hostsConsidered,
      filters: decision.filters,
      placements: decision.placements.map((p) => ({
        hostId: p.hostId,
        hostName: name(p.hostId),
        candidates: p.candidates,
      })),
    };
  }

  private async request(dto: DryRunDto): Promise<PlacementRequest> {
    const resources = await this.resources(dto);
    const guestType = dto.image ? (await resolveImage(this.catalog, dto.image, null)).guestType : dto.guestType;
    if (!guestType) throw invalid('image', 'give an image or a guestType');
    if (dto.poolId && !(await this.pools.exists(dto.poolId))) throw invalid('poolId', 'no such pool');
    const serverGroup = dto.serverGroupId ? await this.serverGroup(dto.serverGroupId) : undefined;
    return {
      resources,
      guestType,
      haProtected: (dto.haPriority ?? 'none') !== 'none',
      ...(dto.poolId ? { poolId: dto.poolId } : {}),
      ...(dto.excludeHostIds?.length ? { excludeHostIds: dto.excludeHostIds } : {}),
      ...(serverGroup ? { serverGroup } : {}),
    };
  }

  private async resources(dto: DryRunDto): Promise<Resources> {
    if (dto.flavor) {
      const f = await resolveFlavor(this.catalog, dto.flavor);
      return { vcpus: f.vcpus, memoryMb: f.memoryMb, diskGb: f.diskGb };
    }
    if (dto.vcpus === undefined || dto.memoryMb === undefined || dto.diskGb === undefined) {
      throw invalid('flavor', 'give a flavor, or vcpus, memoryMb and diskGb');
    }
    return { vcpus: dto.vcpus, memoryMb: dto.memoryMb, diskGb: dto.diskGb };
  }

  private async serverGroup(id: string): Promise<PlacementRequest['serverGroup']> {
    const group = await this.groups.find(id);
    if (!group) throw invalid('serverGroupId', 'no such server group');
    return { policy: placementPolicy(group.policy), memberHostIds: await this.groups.memberHostIds(id) };
  }
}
