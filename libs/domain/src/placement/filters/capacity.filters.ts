import type { Resources } from '../../hosts/capacity';
import type { PlacementFilter } from '../filter';

const capacity = (resource: keyof Resources, name: string, what: string): PlacementFilter => ({
  name,
  reason: `not enough free ${what}: (total - dom0) x allocation ratio - used is below the request`,
  passes: (_host, ctx) => ctx.free[resource] >= ctx.request.resources[resource],
});

/** One filter per resource, so a failure says which resource ran out. */
export const vcpuCapacityFilter = capacity('vcpus', 'capacity_vcpus', 'vCPUs');
export const memoryCapacityFilter = capacity('memoryMb', 'capacity_memory', 'memory');
export const diskCapacityFilter = capacity('diskGb', 'capacity_disk', 'disk');
