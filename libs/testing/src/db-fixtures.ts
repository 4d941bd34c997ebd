import { randomUUID } from 'node:crypto';
import type { Db } from '@xenplane/db';

/** What rows of VMs and hosts refer to, for tests that write those rows directly. */
export interface TestCatalog {
  poolId: string;
  projectId: string;
  flavorId: string;
  imageId: string;
}

/**
 * A pool (allocation ratios 1, so a host offers exactly its total less dom0; a suspect timeout of
 * an hour, so a host that answered at its creation stays placeable for the whole test file), a
 * project, a flavor and a pv image.
 */
export async function seedTestCatalog(db: Db): Promise<TestCatalog> {
  const [pool, project, flavor, image] = await Promise.all([
    db.pool.create({
      data: {
        name: 'p',
        cpuAllocationRatio: 1,
        ramAllocationRatio: 1,
        ...PATIENT_LIVENESS,
        storagePools: { create: { name: 'local', kind: 'local', isDefault: true } },
      },
    }),
    db.project.create({ data: { name: 'proj' } }),
    db.flavor.create({ data: { name: 'f', vcpus: 1, memoryMb: 1024, diskGb: 1 } }),
    db.image.create({ data: { name: 'i', guestType: 'pv', sizeGb: 1 } }),
  ]);
  return { poolId: pool.id, projectId: project.id, flavorId: flavor.id, imageId: image.id };
}

/** Liveness settings under which a host that answered once stays live for an hour. */
export const PATIENT_LIVENESS = { heartbeatIntervalMs: 2_000, suspectAfterMs: 3_600_000, deadAfterMs: 7_200_000 };

/**
 * A host of the pool offering `memoryMb` to guests (dom0 keeps 1,024 MB more), 64 vCPUs and
 * 1,000 GB; an `up` host has just answered a heartbeat.
 */
export function createTestHost(db: Db, poolId: string, memoryMb = 8192, state: 'up' | 'down' = 'up') {
  return db.host.create({
    data: {
      name: `h-${randomUUID()}`,
      poolId,
      address: '127.0.0.1:1',
      state,
      totalVcpus: 64,
      totalMemoryMb: memoryMb + 1024,
      reservedMemoryMb: 1024,
      totalDiskGb: 1000,
      ...(state === 'up' ? { lastHeartbeatAt: new Date() } : {}),
    },
  });
}
