import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  type BatchOutcome,
  CatalogRepository,
  type Image,
  type CloneOutcome,
  KeypairRepository,
  NetworkRepository,
  OperationRepository,
  type NewDisk,
  type NewVif,
  type NewVm,
  PoolRepository,
  type Prisma,
  ProjectRepository,
  ServerGroupRepository,
  SnapshotRepository,
  type StartOutcome,
  type Usage,
  VmRepository,
} from '@xenplane/db';
import {
  actionParamsRefusal,
  actionRoleRefusal,
  actionRefusal,
  actionRule,
  batchNames,
  batchUsage,
  chooseVmNetworks,
  cloneNoRoom,
  expiresAtOf,
  type NetworkChoice,
  networkLookup,
  planVmDisks,
  quotaExcess,
  rangeCapacity,
  repeatedDeleteAnswer,
  storageBusyRefusal,
  updateRefusal,
  type VmAction,
  vmDiskGb,
} from '@xenplane/domain';
import { currentCorrelationId } from '@xenplane/observability';
import { visibleProject, type Principal } from '../common/auth/principal';
import { ApiError, conflict, forbidden, invalid, notFound } from '../common/errors/api-errors';
import { readPage } from '../common/http/cursor';
import { OperationQueue } from '../infra/queue.module';
import { type OperationView, presentOperation } from '../operations/operation.view';
import { ProjectsResolver } from '../projects/projects.resolver';
import { resolveFlavor, resolveImage } from './catalog-lookup';
import type { CreateVmDto } from './dto/create-vm.dto';
import type { ListVmsQuery } from './dto/list-vms.dto';
import type { UpdateVmDto, VmActionDto } from './dto/vm-action.dto';
import { guestDataOf } from './guest-data';
import { findVisibleVm, refuseSharedDisks } from './vm-lookup';
import { type CloneVmView, type CreateVmsView, presentVm, type VmPage, type VmView } from './vm.view';

/**
 * The image a VM's root disk is a copy-on-write clone of: its own when it has content (uploaded,
 * raw: the only format uploads take), else none (a blank root disk, as seeded kernel-boot images get).
 */
function rootDiskImageOf(image: Image): string | null {
  return image.sha256 && image.diskFormat === 'raw' ? image.id : null;
}

@Injectable()
export class VmsService {
  constructor(
    private readonly vms: VmRepository,
    private readonly catalog: CatalogRepository,
    private readonly pools: PoolRepository,
    private readonly groups: ServerGroupRepository,
    private readonly projectRows: ProjectRepository,
    private readonly networks: NetworkRepository,
    private readonly queue: OperationQueue,
    private readonly projects: ProjectsResolver,
    private readonly keypairs: KeypairRepository,
    private readonly snapshots: SnapshotRepository,
    private readonly operations: OperationRepository,
  ) {}

  /**
   * VMs, their create operations, the quota they take and their addresses, in ONE statement;
   * then a wake-up call to the scheduler. A batch is all or none.
   */
  async create(principal: Principal, dto: CreateVmDto): Promise<CreateVmsView> {
    const projectId = await this.projects.targetProject(principal, dto.projectId);
    const [flavor, image] = await Promise.all([
      resolveFlavor(this.catalog, dto.flavor),
      resolveImage(this.catalog, dto.image, projectId),
    ]);
    // a root disk cloned from an image holds the whole image
    if (image.sha256 && image.sizeGb > flavor.diskGb)
      throw invalid(
        'flavor',
        `flavor ${flavor.name} has ${flavor.diskGb} GB of disk: image ${image.name} needs ${image.sizeGb}`,
      );
    await this.checkPlacementRefs(projectId, dto);
    const { networks, poolId } = await this.chooseNetworks(dto);
    const guest = await guestDataOf(this.keypairs, projectId, dto);
    const count = dto.count ?? 1;
    const dataGb = (dto.disks ?? []).map((d) => d.sizeGb);
    // the VM's disk: its root disk and its data disks, in the quota and on its host
    const diskGb = vmDiskGb(flavor.diskGb, dataGb);
    const usage = batchUsage({ ...flavor, diskGb }, count);
    const now = new Date();
    const correlationId = currentCorrelationId() ?? null;
    const vms: NewVm[] = batchNames(dto.name, count).map((name) => ({
      id: randomUUID(),
      name,
      flavorId: flavor.id,
      imageId: image.id,
      guestType: image.guestType,
      vcpus: flavor.vcpus,
      memoryMb: flavor.memoryMb,
      diskGb,
      poolId: poolId ?? null,
      serverGroupId: dto.serverGroupId ?? null,
      haPriority: dto.haPriority ?? 'none',
      metadata: dto.metadata ?? {},
      userData: guest.userData,
      sshKeys: guest.sshKeys,
      expiresAt: expiresAtOf(dto.ttlSeconds, now),
    }));
    const ops = vms.map((vm) => ({
      id: randomUUID(),
      vmId: vm.id,
      correlationId,
      requestedBy: principal.tokenId,
      params: poolId ? { poolId } : {},
    }));
    const vifs: NewVif[] = vms.flatMap((vm) => networks.map((n, device) => ({ vmId: vm.id, device, networkId: n.id })));
    const planned = planVmDisks({
      guestType: image.guestType,
      rootGb: flavor.diskGb,
      rootImageId: rootDiskImageOf(image),
      dataGb,
    });
    const disks: NewDisk[] = vms.flatMap((vm) => planned.map((d) => ({ ...d, vmId: vm.id })));
    const created = await this.vms.createBatch({ projectId, usage, vms, ops, vifs, disks, now });
    if (!created.created) throw await this.refusal(created, projectId, usage, vifs);
    await this.queue.wake(created.ops);
    const names = { flavor: { id: flavor.id, name: flavor.name }, image: { id: image.id, name: image.name } };
    const networkOf = new Map(networks.map((n) => [n.id, { id: n.id, name: n.name }]));
    return {
      vms: created.vms.map((vm) =>
        presentVm({
          ...vm,
          ...names,
          host: null,
          addresses: created.addresses
            .filter((a) => a.vmId === vm.id)
            .map((a) => ({ device: a.device, mac: a.mac, ip: a.ip, network: networkOf.get(a.networkId)! })),
          disks: planned.map((d) => ({ ...d, image: d.imageId ? names.image : null })),
        }),
      ),
      operations: created.ops.map(presentOperation),
    };
  }

  /** The networks the VMs get a vif on, and the pool that makes them live in (libs/domain chooseVmNetworks). */
  private async chooseNetworks(dto: CreateVmDto): Promise<{ networks: NetworkChoice[]; poolId?: string }> {
    const { ids, names } = networkLookup(dto.networks);
    const known = await this.networks.refs(ids, names);
    const choice = chooseVmNetworks(dto.networks, dto.poolId, known);
    if (!choice.ok) throw invalid(choice.field, choice.message);
    return choice;
  }

  private async refusal(
    r: Exclude<BatchOutcome, { created: true }>,
    projectId: string,
    usage: Usage,
    vifs: readonly NewVif[],
  ): Promise<ApiError> {
    if (r.refused === 'quota') return this.quotaExceeded(projectId, usage);
    const network = await this.networks.find(r.networkId);
    if (r.refused === 'network_gone' || !network)
      return conflict(`network ${network?.name ?? r.networkId} was deleted while the VMs were being created`);
    const requested = vifs.filter((v) => v.networkId === network.id).length;
    const free = rangeCapacity(network) - network.allocated;
    return new ApiError(
      'addresses_exhausted',
      `network ${network.name} (${network.cidr}) has ${free} free addresses, the request needs ${requested}`,
      undefined,
      { network: network.name, networkId: network.id, free, requested },
    );
  }

  private async quotaExceeded(projectId: string, usage: Usage): Promise<ApiError> {
    const p = await this.projectRows.get(projectId);
    const excess = quotaExcess(
      { instances: p.quotaInstances, vcpus: p.quotaVcpus, memoryMb: p.quotaMemoryMb, diskGb: p.quotaDiskGb },
      { instances: p.usedInstances, vcpus: p.usedVcpus, memoryMb: p.usedMemoryMb, diskGb: p.usedDiskGb },
      usage,
    );
    return new ApiError(
      'quota_exceeded',
      `the request exceeds the project's quota of ${excess.map((e) => e.resource).join(', ')}`,
      undefined,
      { excess },
    );
  }

  async list(principal: Principal, q: ListVmsQuery): Promise<VmPage> {
    // where a VM runs is the operators' business: a project token narrows by what it owns
    if (q.hostId !== undefined && principal.projectId !== null)
      throw invalid('hostId', 'only global tokens (operators, admins) list VMs by host');
    if (q.projectId !== undefined && principal.projectId !== null && q.projectId !== principal.projectId)
      throw invalid('projectId', "a project token lists its own project's VMs only");
    const filter = {
      ...(q.projectId ? { projectId: q.projectId } : {}),
      ...visibleProject(principal),
      ...(q.state ? { states: q.state } : {}),
      ...(q.poolId ? { poolId: q.poolId } : {}),
      ...(q.hostId ? { hostId: q.hostId } : {}),
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(q.namePrefix !== undefined ? { namePrefix: q.namePrefix } : {}),
      ...(q.metadata ? { metadata: q.metadata } : {}),
    };
    return readPage(
      q,
      (after, take) => this.vms.listPage(filter, after, take),
      (rows) => rows.map(presentVm),
    );
  }

  async get(principal: Principal, id: string): Promise<VmView> {
    return presentVm(await findVisibleVm(this.vms, principal, id));
  }

  async update(principal: Principal, id: string, dto: UpdateVmDto): Promise<VmView> {
    const vm = await findVisibleVm(this.vms, principal, id);
    const refused = updateRefusal(vm.state);
    if (refused) throw conflict(refused);
    if (dto.ttlSeconds === undefined) return presentVm(vm);
    const updated = await this.vms.setExpiry(vm.id, expiresAtOf(dto.ttlSeconds, new Date()));
    return presentVm(updated);
  }

  async act(principal: Principal, id: string, dto: VmActionDto): Promise<OperationView | CloneVmView> {
    const global = principal.projectId === null;
    if (dto.action === 'clone') return this.clone(principal, id, dto);
    if (dto.name !== undefined) throw invalid('name', 'clone only');
    const roleRefused = actionRoleRefusal(dto.action, { global, role: principal.role });
    if (roleRefused) throw forbidden(roleRefused);
    const refused = actionParamsRefusal(dto.action, {
      global,
      targetHostId: dto.targetHostId,
    });
    if (refused) throw invalid(refused.field, refused.message);
    return this.startOperation(principal, id, dto.action, {
      ...(dto.targetHostId ? { targetHostId: dto.targetHostId } : {}),
      ...(dto.live !== undefined ? { live: dto.live } : {}),
    });
  }

  /**
   * A new VM from a stopped one, claimed on its host (the disks are local), with its own
   * addresses and disk rows, in one transaction (libs/db createClone); the scheduler copies the
   * disks and builds it (operation `clone`).
   */
  private async clone(principal: Principal, id: string, dto: VmActionDto): Promise<CloneVmView> {
    const roleRefused = actionRoleRefusal('clone', { global: principal.projectId === null, role: principal.role });
    if (roleRefused) throw forbidden(roleRefused);
    if (dto.targetHostId !== undefined || dto.live !== undefined)
      throw invalid(dto.targetHostId !== undefined ? 'targetHostId' : 'live', 'migrate only');
    await refuseSharedDisks(this.vms, principal, id, 'a clone');
    const outcome = await this.snapshots.createClone({
      sourceId: id,
      projectId: visibleProject(principal).projectId ?? null,
      cloneId: randomUUID(),
      opId: randomUUID(),
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      requestedBy: principal.tokenId,
      correlationId: currentCorrelationId() ?? null,
    });
    if (!outcome.created) throw await this.cloneRefusal(outcome, id);
    await this.queue.wake([outcome.op]);
    return { vm: await this.get(principal, outcome.vm.id), operation: presentOperation(outcome.op) };
  }

  private async cloneRefusal(r: Exclude<CloneOutcome, { created: true }>, id: string): Promise<ApiError> {
    switch (r.refused) {
      case 'not_found':
        return notFound('vm', id);
      case 'state':
        return conflict(r.reason, { state: r.state });
      case 'quota':
        return this.quotaExceeded(r.projectId, r.usage);
      case 'no_room':
        return new ApiError('no_valid_host', cloneNoRoom(r.hostName), undefined, { host: r.hostName });
      case 'addresses_exhausted':
      case 'network_gone': {
        const network = await this.networks.find(r.networkId);
        if (r.refused === 'network_gone' || !network)
          return conflict(`network ${network?.name ?? r.networkId} was deleted meanwhile`);
        return new ApiError(
          'addresses_exhausted',
          `network ${network.name} (${network.cidr}) has no free address for the clone`,
          undefined,
          {
            network: network.name,
            networkId: network.id,
            free: rangeCapacity(network) - network.allocated,
            requested: 1,
          },
        );
      }
    }
  }

  /**
   * Safe to repeat blindly (a CI job's cleanup loop): a VM already deleting answers the delete at
   * work, as the first DELETE did (also when the two raced); a deleted one 404, as Nova (repeatedDeleteAnswer).
   */
  async delete(principal: Principal, id: string): Promise<OperationView> {
    const started = await this.begin(principal, id, 'delete', {});
    if (started.op) return presentOperation(started.op);
    const answer = started.state ? repeatedDeleteAnswer(started.state) : undefined;
    if (answer === 'not-found') throw notFound('vm', id);
    if (answer === 'open-delete') {
      const op = await this.operations.openOfVm(id, 'delete', visibleProject(principal));
      if (op) return presentOperation(op);
      // the delete ended between the two reads (it marks the VM deleted in the statement that
      // ends it): the VM is gone now, as a DELETE a moment later would be told
      const now = await this.vms.findVisible(id, visibleProject(principal));
      if (!now || now.state === 'deleted') throw notFound('vm', id);
    }
    throw this.actionRefused(id, 'delete', started);
  }

  private async startOperation(principal: Principal, id: string, action: VmAction, params: Prisma.InputJsonObject) {
    const started = await this.begin(principal, id, action, params);
    if (!started.op) throw this.actionRefused(id, action, started);
    return presentOperation(started.op);
  }

  /**
   * Reads the VM and starts the operation in ONE statement (startVmOperation), waking the queue
   * when it started; only a refusal costs nothing more, its reason comes from the state the statement saw.
   */
  private async begin(
    principal: Principal,
    id: string,
    action: VmAction,
    params: Prisma.InputJsonObject,
  ): Promise<StartOutcome> {
    const { from, via, operation, needsHost } = actionRule(action);
    const started = await this.vms.startOperation({
      vmId: id,
      projectId: visibleProject(principal).projectId ?? null,
      from,
      kind: operation,
      via,
      params,
      requestedBy: principal.tokenId,
      correlationId: currentCorrelationId() ?? null,
      needsHost,
    });
    if (started.op) await this.queue.wake([started.op]);
    return started;
  }

  /** Why the action did not start: not found, storage busy, or what the state refuses (409). */
  private actionRefused(id: string, action: VmAction, started: Extract<StartOutcome, { op: null }>): ApiError {
    if (!started.state) return notFound('vm', id);
    const busy = started.storageBusy ? storageBusyRefusal(started.storageBusy) : undefined;
    if (busy) return conflict(busy, { state: started.state });
    const refusal = actionRefusal(action, started.state, started.hostInDoubt);
    return conflict(refusal.message, refusal.extra);
  }

  private async checkPlacementRefs(projectId: string, dto: CreateVmDto): Promise<void> {
    if (dto.poolId && !(await this.pools.exists(dto.poolId))) {
      throw invalid('poolId', 'no such pool');
    }
    if (dto.serverGroupId) {
      const group = await this.groups.findInProject(dto.serverGroupId, projectId);
      if (!group) throw invalid('serverGroupId', 'no such server group in this project');
    }
  }
}
