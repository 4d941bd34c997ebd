import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Flavor, Image, Vm } from '@xenplane/db';
import {
  actionsAllowedIn,
  shownPowerState,
  userDataBytes,
  VM_ACTIONS,
  VM_STATES,
  type VmState,
} from '@xenplane/domain';
import { OperationView } from '../operations/operation.view';
import { HA_PRIORITIES } from './dto/create-vm.dto';

class NamedRef {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
}

class VmAddressView {
  @ApiProperty({ description: 'The network’s name' }) network!: string;
  @ApiProperty({ format: 'uuid' }) networkId!: string;
  @ApiProperty({ example: '00:16:3e:1a:2b:3c' }) mac!: string;
  @ApiProperty({ example: '10.0.0.12' }) ip!: string;
}

class VmDiskView {
  @ApiProperty({ example: 'xvdb', description: 'What the guest sees it as' }) device!: string;
  @ApiProperty({ enum: ['root', 'data'] }) kind!: string;
  @ApiProperty() sizeGb!: number;
  // spelled out, not a $ref: a $ref cannot be nullable in OpenAPI 3.0
  @ApiProperty({
    type: 'object',
    nullable: true,
    properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' } },
    required: ['id', 'name'],
    description: 'The image a root disk is a copy-on-write clone of; null for a blank disk',
  })
  image!: NamedRef | null;
}

class VmErrorView {
  @ApiProperty() code!: string;
  @ApiProperty() message!: string;
}

export class VmView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: VM_STATES }) state!: string;
  @ApiProperty({
    enum: VM_ACTIONS,
    isArray: true,
    description:
      'The actions (POST /v1/vms/{id}/actions, and delete) its state accepts now; the token’s role may still ' +
      'refuse one (migrate is for operators), and a host in doubt refuses all but delete',
  })
  actions!: string[];
  @ApiProperty({
    enum: ['none', 'running', 'paused', 'shutdown', 'crashed', 'unknown'],
    description:
      "unknown: its host has not answered a heartbeat within its pool's suspect timeout; what the VM does there is not known",
  })
  powerState!: string;
  @ApiPropertyOptional({ format: 'uuid' }) hostId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) poolId?: string;
  @ApiProperty({ type: NamedRef }) flavor!: NamedRef;
  @ApiProperty({ type: NamedRef }) image!: NamedRef;
  @ApiProperty({ enum: ['pv', 'pvh', 'hvm'] }) guestType!: string;
  @ApiProperty() vcpus!: number;
  @ApiProperty() memoryMb!: number;
  @ApiProperty() diskGb!: number;
  @ApiProperty({ enum: HA_PRIORITIES }) haPriority!: string;
  @ApiPropertyOptional({ format: 'uuid' }) serverGroupId?: string;
  @ApiPropertyOptional({ description: 'Xen domain id on its host while it has one' }) domId?: number;
  @ApiPropertyOptional({ format: 'date-time' }) expiresAt?: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) metadata!: Record<string, string>;
  @ApiProperty({
    type: [VmAddressView],
    description: 'One per vif, in device order (eth0 first); given back to their networks when the VM is deleted',
  })
  addresses!: VmAddressView[];
  @ApiProperty({
    type: [VmDiskView],
    description:
      'Its root disk (the flavor’s disk) and data disks, in device order; diskGb is their sum. ' +
      'None once the VM is deleted (its disks go with it)',
  })
  disks!: VmDiskView[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiPropertyOptional({ type: VmErrorView }) error?: VmErrorView;
  @ApiPropertyOptional({
    description: 'Size in bytes (UTF-8) of the user-data the VM was created with; the user-data itself is never shown',
  })
  userDataBytes?: number;
  @ApiProperty({
    type: [String],
    description: 'The OpenSSH public keys its guest gets (keypairs resolved at creation)',
  })
  sshKeys!: string[];
  @ApiPropertyOptional({ format: 'uuid', description: 'The VM this one was cloned from' })
  clonedFromId?: string;
}

export class VmPage {
  @ApiProperty({ type: [VmView] }) items!: VmView[];
  @ApiPropertyOptional({ description: 'Absent on the last page' }) nextCursor?: string;
}

/** A clone's answer: the new VM and the operation copying its disks and building it. */
export class CloneVmView {
  @ApiProperty({ type: VmView }) vm!: VmView;
  @ApiProperty({ type: OperationView }) operation!: OperationView;
}

export class CreateVmsView {
  @ApiProperty({ type: [VmView] }) vms!: VmView[];
  @ApiProperty({ type: [OperationView] }) operations!: OperationView[];
}

type HostLiveness = { state: string; lastHeartbeatAt: Date | null; pool: { suspectAfterMs: number } };

type AddressRow = { device: number; mac: string; ip: string; network: { id: string; name: string } };

type DiskRow = { device: string; kind: string; sizeGb: number; image: { id: string; name: string } | null };

export type VmRow = Vm & {
  flavor: Pick<Flavor, 'id' | 'name'>;
  image: Pick<Image, 'id' | 'name'>;
  host: HostLiveness | null;
  addresses: AddressRow[];
  disks: DiskRow[];
};

/** The power state shown: unknown while the VM's host is in doubt (libs/domain shownPowerState). */
export function powerStateOf(vm: VmRow, now = Date.now()): string {
  const h = vm.host;
  return shownPowerState(
    vm,
    h && { state: h.state, lastHeartbeatAt: h.lastHeartbeatAt, suspectAfterMs: h.pool.suspectAfterMs },
    now,
  );
}

export function presentVm(vm: VmRow): VmView {
  return {
    id: vm.id,
    projectId: vm.projectId,
    name: vm.name,
    state: vm.state,
    actions: actionsAllowedIn(vm.state as VmState),
    powerState: powerStateOf(vm),
    ...(vm.hostId ? { hostId: vm.hostId } : {}),
    ...(vm.poolId ? { poolId: vm.poolId } : {}),
    flavor: vm.flavor,
    image: vm.image,
    guestType: vm.guestType,
    vcpus: vm.vcpus,
    memoryMb: vm.memoryMb,
    diskGb: vm.diskGb,
    haPriority: vm.haPriority,
    ...(vm.serverGroupId ? { serverGroupId: vm.serverGroupId } : {}),
    ...(vm.domId !== null ? { domId: vm.domId } : {}),
    ...(vm.expiresAt ? { expiresAt: vm.expiresAt.toISOString() } : {}),
    metadata: vm.metadata as Record<string, string>,
    addresses: vm.addresses.map((a) => ({ network: a.network.name, networkId: a.network.id, mac: a.mac, ip: a.ip })),
    // a deleted VM's rows stay with it, its disks are gone from its host
    disks:
      vm.state === 'deleted'
        ? []
        : vm.disks.map((d) => ({ device: d.device, kind: d.kind, sizeGb: d.sizeGb, image: d.image })),
    createdAt: vm.createdAt.toISOString(),
    updatedAt: vm.updatedAt.toISOString(),
    ...(vm.errorCode ? { error: { code: vm.errorCode, message: vm.errorMessage ?? '' } } : {}),
    ...(vm.userData !== null ? { userDataBytes: userDataBytes(vm.userData) } : {}),
    sshKeys: vm.sshKeys,
    ...(vm.clonedFromId ? { clonedFromId: vm.clonedFromId } : {}),
  };
}
