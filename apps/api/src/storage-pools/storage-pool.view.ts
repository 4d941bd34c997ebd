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
  @ApiProperty({ enum: ['local', 'shared'], description: 'local: each host’s own disk' }) kind!: string;
  @ApiProperty({ description: 'Where new VMs of the pool get their disks' }) isDefault!: boolean;
  @ApiProperty({ format: 'uuid' }) poolId!: string;
  @ApiProperty() pool!: string;
  @ApiProperty({ type: [HostDiskRoomView], description: 'A local storage pool’s room on each host of the pool' })
  hosts!: HostDiskRoomView[];
  @ApiProperty({ type: DiskRoomView, description: 'The sum over its hosts' }) capacity!: DiskRoomView;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function presentStoragePool(s: StoragePoolWithHosts): StoragePoolView {
  const room =
    s.kind === 'local' ? localStorageRoom(s.pool.hosts, s.pool.diskAllocationRatio) : localStorageRoom([], 1);
  return {
    id: s.id,
    name: s.name,
    kind: s.kind,
    isDefault: s.isDefault,
    poolId: s.pool.id,
    pool: s.pool.name,
    hosts: room.hosts,
    capacity: room.sum,
    createdAt: s.createdAt.toISOString(),
  };
}
