import { Prisma } from './generated/prisma/client';

export interface Usage {
  instances: number;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

/** Each resource of a Usage as a value (sent as a parameter) or a column of the statement. */
type UsageOf = { [K in keyof Usage]: number | Prisma.Sql };

type Tx = Pick<Prisma.TransactionClient, '$executeRaw'>;

/** SET list: project row `project`'s used quota grows (+) or shrinks (-) by `u`. */
const quotaMovedBy = (sign: '+' | '-', u: UsageOf): Prisma.Sql => {
  const op = Prisma.raw(sign);
  return Prisma.sql`
        used_instances = project.used_instances ${op} ${u.instances},
        used_vcpus = project.used_vcpus ${op} ${u.vcpus},
        used_memory_mb = project.used_memory_mb ${op} ${u.memoryMb},
        used_disk_gb = project.used_disk_gb ${op} ${u.diskGb},
        updated_at = now()`;
};

/**
 * Statement: takes quota with one conditional write, returning the project's id when it fit.
 * Two requests racing for the last of a quota cannot both win, whatever the isolation level.
 * (Used inside the statement that creates a batch of VMs, so the quota and the VMs go together.)
 * The check adds in bigint: usage near a large quota plus a large batch passes the integer range
 * ("integer out of range" is not an answer; over quota is), and what it lets through fits.
 */
export const quotaTaken = (projectId: string, u: Usage): Prisma.Sql => Prisma.sql`
      UPDATE projects project SET ${quotaMovedBy('+', u)}
      WHERE project.id = ${projectId}::uuid
        AND project.used_instances::bigint + ${u.instances}::bigint <= project.quota_instances
        AND project.used_vcpus::bigint + ${u.vcpus}::bigint <= project.quota_vcpus
        AND project.used_memory_mb::bigint + ${u.memoryMb}::bigint <= project.quota_memory_mb
        AND project.used_disk_gb::bigint + ${u.diskGb}::bigint <= project.quota_disk_gb
      RETURNING project.id`;

/**
 * Statement: gives quota `u` back to the projects `where` picks (row alias `project`), from
 * `from` when the amounts are its columns (a batch's per-project sums).
 */
export const quotaReturned = (u: UsageOf, at: { where: Prisma.Sql; from?: Prisma.Sql }): Prisma.Sql => Prisma.sql`
      UPDATE projects project SET ${quotaMovedBy('-', u)}${
        at.from
          ? Prisma.sql`
      FROM ${at.from}`
          : Prisma.empty
      }
      WHERE ${at.where}
    `;

/** A project's share of a batch's per-project sums, read from alias `per_project`. */
export const PER_PROJECT: UsageOf = {
  instances: Prisma.raw('per_project.instances'),
  vcpus: Prisma.raw('per_project.vcpus'),
  memoryMb: Prisma.raw('per_project.memory_mb'),
  diskGb: Prisma.raw('per_project.disk_gb'),
};

/** Gives quota back (a VM deleted). */
export async function releaseQuota(tx: Tx, projectId: string, u: Usage): Promise<void> {
  await tx.$executeRaw`${quotaReturned(u, { where: Prisma.sql`project.id = ${projectId}::uuid` })}`;
}

export const vmUsage = (vm: { vcpus: number; memoryMb: number; diskGb: number }): Usage => ({
  instances: 1,
  vcpus: vm.vcpus,
  memoryMb: vm.memoryMb,
  diskGb: vm.diskGb,
});
