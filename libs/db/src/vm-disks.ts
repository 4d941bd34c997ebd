import { extentSizeMb, placeExtents } from '@xenplane/domain';
import type { Db } from './client';
import { type Disk, Prisma } from './generated/prisma/client';

/**
 * A VM's disk as its domain is built with it. A disk of a shared storage pool names the pool's
 * device and where its extent starts (null until extents are allocated: allocateSharedExtents).
 */
export type VmDisk = Pick<Disk, 'kind' | 'device' | 'sizeGb' | 'imageId'> & {
  /** null until the VM is placed when it was created without a pool (the claim sets it) */
  storagePoolId?: string | null;
  sharedDevice?: string | null;
  offsetMb?: number | null;
};

/**
 * SQL expression: the disks of the VM whose id `vmId` is, a JSON array in device order (root
 * disk first: `xvda`/`hda` sort before the rest).
 */
export const disksOf = (vmId: Prisma.Sql): Prisma.Sql => Prisma.sql`(
      SELECT coalesce(jsonb_agg(jsonb_build_object('kind', d.kind::text, 'device', d.device, 'sizeGb', d.size_gb,
        'imageId', d.image_id, 'storagePoolId', d.storage_pool_id, 'sharedDevice', sp.device_path,
        'offsetMb', d.offset_mb) ORDER BY d.device), '[]'::jsonb)
      FROM disks d LEFT JOIN storage_pools sp ON sp.id = d.storage_pool_id AND sp.kind = 'shared'
      WHERE d.vm_id = ${vmId})`;

/** The VM's disks (none for a VM created before VMs had disk rows). */
export async function vmDisks(db: Db, vmId: string): Promise<VmDisk[]> {
  const rows = await db.$queryRaw<{ disks: VmDisk[] }[]>`SELECT ${disksOf(Prisma.sql`${vmId}::uuid`)} AS disks`;
  return rows[0]?.disks ?? [];
}

/** Why a VM's shared disks got no extents: the storage pool has no gap big enough for them all. */
export interface ExtentsRefused {
  storagePoolId: string;
  storagePool: string;
  wantedGb: number;
}

/**
 * Gives each of the VM's shared disks without one an extent on its storage pool's device (libs/domain
 * placeExtents, first fit), all of a storage pool's at once or none: the storage pool's row is
 * locked while its taken extents are read and the new ones written, so two builds never get the
 * same bytes. A deleted VM's extents are free again (its agent header makes the next owner's
 * agent wipe them). Idempotent: a disk keeps the extent it has.
 */
export async function allocateSharedExtents(db: Db, vmId: string): Promise<ExtentsRefused | null> {
  return db.$transaction(async (tx) => {
    const wanted = await tx.$queryRaw<{ id: string; sizeGb: number; storagePoolId: string }[]>`
      SELECT d.id, d.size_gb AS "sizeGb", d.storage_pool_id AS "storagePoolId"
      FROM disks d JOIN storage_pools sp ON sp.id = d.storage_pool_id AND sp.kind = 'shared'
      WHERE d.vm_id = ${vmId}::uuid AND d.offset_mb IS NULL ORDER BY d.device`;
    for (const storagePoolId of [...new Set(wanted.map((w) => w.storagePoolId))].sort()) {
      const mine = wanted.filter((w) => w.storagePoolId === storagePoolId);
      const [pool] = await tx.$queryRaw<{ name: string; capacityGb: number }[]>`
        SELECT name, capacity_gb AS "capacityGb" FROM storage_pools WHERE id = ${storagePoolId}::uuid FOR UPDATE`;
      const taken = await tx.$queryRaw<{ offsetMb: bigint; sizeGb: number }[]>`
        SELECT d.offset_mb AS "offsetMb", d.size_gb AS "sizeGb"
        FROM disks d JOIN vms v ON v.id = d.vm_id
        WHERE d.storage_pool_id = ${storagePoolId}::uuid AND d.offset_mb IS NOT NULL AND v.state <> 'deleted'`;
      const offsets = placeExtents(
        pool!.capacityGb * 1024,
        taken.map((t) => ({ offsetMb: Number(t.offsetMb), sizeMb: extentSizeMb(t.sizeGb) })),
        mine.map((w) => extentSizeMb(w.sizeGb)),
      );
      if (!offsets) return { storagePoolId, storagePool: pool!.name, wantedGb: mine.reduce((s, w) => s + w.sizeGb, 0) };
      for (const [i, w] of mine.entries())
        await tx.disk.update({ where: { id: w.id }, data: { offsetMb: BigInt(offsets[i]!) } });
    }
    return null;
  });
}
