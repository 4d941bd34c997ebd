import type { Resources } from '@xenplane/domain';
import { Prisma } from './generated/prisma/client';

/**
 * What a host offers to guests, in SQL, per resource: libs/domain's offeredCapacity (its total
 * less what dom0 keeps, times the pool's allocation ratio, rounded down, never below 0) over a
 * hosts row `host` and its pools row `pool`. Every statement that weighs a host's room uses this
 * one spelling; offered-capacity.int.spec.ts holds it to the TypeScript, case by case.
 */
export function offeredCapacitySql(host = 'h', pool = 'p'): { [K in keyof Resources]: Prisma.Sql } {
  if (!/^[a-z_]+$/.test(host) || !/^[a-z_]+$/.test(pool)) throw new Error(`not a table alias: ${host}, ${pool}`);
  const offer = (total: string, reserved: string, ratio: string) =>
    Prisma.raw(`GREATEST(0, floor((${host}.${total} - ${host}.${reserved}) * ${pool}.${ratio}))`);
  return {
    vcpus: offer('total_vcpus', 'reserved_vcpus', 'cpu_allocation_ratio'),
    memoryMb: offer('total_memory_mb', 'reserved_memory_mb', 'ram_allocation_ratio'),
    diskGb: offer('total_disk_gb', 'reserved_disk_gb', 'disk_allocation_ratio'),
  };
}
