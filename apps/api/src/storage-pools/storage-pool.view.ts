import { ApiProperty } from '@nestjs/swagger';
import type { StoragePoolWithHosts } from '@xenplane/db';
import { localStorageRoom } from '@xenplane/domain';

class DiskRoomView {
  @ApiProperty({ description: 'GiB of disk' }) totalGb!: number;
  @ApiProperty({ description: 'GiB dom0 keeps' }) reservedGb!: number;
  @ApiProperty({ description: "GiB placement hands out: (total - reserved) x the pool's disk allocation ratio" })
  offeredGb!: number;
  @ApiProperty({ description: "GiB the VMs placed there claim (each VM's root and data disks)" }) usedGb!: number;
  @ApiProperty({ description: 'offered less used' }) freeGb!: number;
}

class HostDiskRoomView extends DiskRoomView {
  @ApiProperty({ format: 'uuid' }) hostId!: string;
  @ApiProperty() host!: string;
  @ApiProperty() state!: string;
}

export class StoragePoolView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['local', 'shared'], description: 'local: each host’s own disk; shared: a LUN every host sees' })
  kind!: string;
  @ApiProperty({ type: String, nullable: true, description: 'shared: the block device every host of the pool sees' })
  devicePath!: string | null;
  @ApiProperty({ description: 'Where new VMs of the pool get their disks' }) isDefault!: boolean;
  @ApiProperty({ format: 'uuid' }) poolId!: string;
  @ApiProperty() pool!: string;
  @ApiProperty({
    type: [HostDiskRoomView],
    description: 'A local storage pool’s room on each host of the pool (none for a shared one)',
  })
  hosts!: HostDiskRoomView[];
  @ApiProperty({
    type: DiskRoomView,
    description: 'local: the sum over its hosts; shared: its capacity and the extents of live VMs’ disks',
  })
  capacity!: DiskRoomView;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function presentStoragePool(s: StoragePoolWithHosts): StoragePoolView {
  const room = s.kind === 'local' ? localStorageRoom(s.pool.hosts, s.pool.diskAllocationRatio) : sharedStorageRoom(s);
  return {
    id: s.id,
    name: s.name,
    kind: s.kind,
    devicePath: s.devicePath,
    isDefault: s.isDefault,
    poolId: s.pool.id,
    pool: s.pool.name,
    hosts: room.hosts,
    capacity: room.sum,
    createdAt: s.createdAt.toISOString(),
  };
}

/** A shared storage pool's room: all of it offered (no host keeps any), used by its live disks. */
function sharedStorageRoom(s: StoragePoolWithHosts): { hosts: HostDiskRoomView[]; sum: DiskRoomView } {
  const totalGb = s.capacityGb ?? 0;
  const usedGb = s.sharedUsedGb ?? 0;
  return {
    hosts: [],
    sum: { totalGb, reservedGb: 0, offeredGb: totalGb, usedGb, freeGb: Math.max(0, totalGb - usedGb) },
  };
}
