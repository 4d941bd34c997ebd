/** vCPUs, memory and disk: what hosts offer and VMs take. */
export interface Resources {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

export interface AllocationRatios {
  cpuAllocationRatio: number;
  ramAllocationRatio: number;
  diskAllocationRatio: number;
}

/**
 * What a host offers to guests: its total less what dom0 keeps, times the pool's allocation
 * ratio, rounded down (a fraction of a vCPU or a megabyte cannot be handed out).
 */
export function offeredCapacity(total: Resources, reserved: Resources, ratios: AllocationRatios): Resources {
  const offer = (t: number, r: number, ratio: number) => Math.max(0, Math.floor((t - r) * ratio));
  return {
    vcpus: offer(total.vcpus, reserved.vcpus, ratios.cpuAllocationRatio),
    memoryMb: offer(total.memoryMb, reserved.memoryMb, ratios.ramAllocationRatio),
    diskGb: offer(total.diskGb, reserved.diskGb, ratios.diskAllocationRatio),
  };
}
