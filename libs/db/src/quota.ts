import { Prisma } from './generated/prisma/client';

export interface Usage {
  instances: number;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

type Tx = Pick<Prisma.TransactionClient, '$executeRaw'>;

/**
 * Statement: takes quota with one conditional write, returning the project's id when it fit.
 * Two requests racing for the last of a quota cannot both win, whatever the isolation level.
 * (Used inside the statement that creates a batch of VMs, so the quota and the VMs go together.)
 */
export const quotaTaken = (projectId: string, u: Usage): Prisma.Sql => Prisma.sql`
  UPDATE projects SET
    used_instances = used_instances + ${u.instances},
    used_vcpus = used_vcpus + ${u.vcpus},
    used_memory_mb = used_memory_mb + ${u.memoryMb},
    used_disk_gb = used_disk_gb + ${u.diskGb},
    updated_at = now()
  WHERE id = ${projectId}::uuid
    AND used_instances + ${u.instances} <= quota_instances
    AND used_vcpus + ${u.vcpus} <= quota_vcpus
    AND used_memory_mb + ${u.memoryMb} <= quota_memory_mb
    AND used_disk_gb + ${u.diskGb} <= quota_disk_gb
  RETURNING id`;

/** Gives quota back (a VM deleted). */
export async function releaseQuota(tx: Tx, projectId: string, u: Usage): Promise<void> {
  await tx.$executeRaw`
    UPDATE projects SET
      used_instances = used_instances - ${u.instances},
      used_vcpus = used_vcpus - ${u.vcpus},
      used_memory_mb = used_memory_mb - ${u.memoryMb},
      used_disk_gb = used_disk_gb - ${u.diskGb},
      updated_at = now()
    WHERE id = ${projectId}::uuid`;
}

export const vmUsage = (vm: { vcpus: number; memoryMb: number; diskGb: number }): Usage => ({
  instances: 1,
  vcpus: vm.vcpus,
  memoryMb: vm.memoryMb,
  diskGb: vm.diskGb,
});
