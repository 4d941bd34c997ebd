import type { Resources } from '../hosts/capacity';
import type { PlacementHost, PlacementPool, PlacementRequest, PlacementView } from './types';
import { DEFAULT_WEIGHTS } from './weights';

// Builders for placement tests: a 16-CPU, 64 GB, 1 TB host with 2 CPUs and 4 GB for dom0.

const R = (vcpus: number, memoryMb: number, diskGb: number): Resources => ({ vcpus, memoryMb, diskGb });

export function host(id: string, over: Partial<PlacementHost> = {}): PlacementHost {
  return {
    id,
    name: id,
    poolId: 'p1',
    state: 'up',
    live: true,
    total: R(16, 65_536, 1_000),
    reserved: R(2, 4_096, 0),
    used: R(0, 0, 0),
    usedInstances: 0,
    usedProtected: R(0, 0, 0),
    hvm: true,
    hap: true,
    cpuVendor: 'GenuineIntel',
    cpuFeatures: ['avx', 'sse4_2'],
    ...over,
  };
}

export function pool(id = 'p1', over: Partial<PlacementPool> = {}): PlacementPool {
  return {
    id,
    cpuAllocationRatio: 4,
    ramAllocationRatio: 1,
    diskAllocationRatio: 1,
    haHostFailuresToTolerate: 0,
    requireCpuCompatibility: false,
    weights: DEFAULT_WEIGHTS,
    ...over,
  };
}

export function request(over: Partial<PlacementRequest> = {}): PlacementRequest {
  return { resources: R(1, 2_048, 10), guestType: 'pv', haProtected: false, ...over };
}

export function view(hosts: PlacementHost[], pools: PlacementPool[] = [pool()]): PlacementView {
  return { hosts, pools: new Map(pools.map((p) => [p.id, p])) };
}

export { R };
