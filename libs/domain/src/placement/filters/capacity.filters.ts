import type { PlacementFilter } from '../filter';

// Each resource is read by its own property name (see the resource weigher for why).
const capacity = (name: string, what: string, passes: PlacementFilter['passes']): PlacementFilter => ({
  name,
  reason: `not enough free ${what}: (total - dom0) x allocation ratio - used is below the request`,
  passes,
});

/** One filter per resource, so a failure says which resource ran out. */
export const vcpuCapacityFilter = capacity(
  'capacity_vcpus',
  'vCPUs',
  (_h, c) => c.free.vcpus >= c.request.resources.vcpus,
);
export const memoryCapacityFilter = capacity(
  'capacity_memory',
  'memory',
  (_h, c) => c.free.memoryMb >= c.request.resources.memoryMb,
);
export const diskCapacityFilter = capacity(
  'capacity_disk',
  'disk',
  (_h, c) => c.free.diskGb >= c.request.resources.diskGb,
);
