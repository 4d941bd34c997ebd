import type { Db } from './client';
import { type Disk, Prisma } from './generated/prisma/client';

/** A VM's disk as its domain is built with it. */
export type VmDisk = Pick<Disk, 'kind' | 'device' | 'sizeGb' | 'imageId'>;

/**
 * SQL expression: the disks of the VM whose id `vmId` is, a JSON array in device order (root
 * disk first: `xvda`/`hda` sort before the rest).
 */
export const disksOf = (vmId: Prisma.Sql): Prisma.Sql => Prisma.sql`(
      SELECT coalesce(jsonb_agg(jsonb_build_object('kind', d.kind::text, 'device', d.device, 'sizeGb', d.size_gb,
        'imageId', d.image_id) ORDER BY d.device), '[]'::jsonb)
      FROM disks d WHERE d.vm_id = ${vmId})`;

/** The VM's disks (none for a VM created before VMs had disk rows). */
export async function vmDisks(db: Db, vmId: string): Promise<VmDisk[]> {
  const rows = await db.$queryRaw<{ disks: VmDisk[] }[]>`SELECT ${disksOf(Prisma.sql`${vmId}::uuid`)} AS disks`;
  return rows[0]?.disks ?? [];
}
