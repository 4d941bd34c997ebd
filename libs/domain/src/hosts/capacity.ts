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

/**
 * The physical CPUs dom0 keeps from guests. dom0's vCPUs share the host's CPUs with guests, and
 * Xen gives dom0 one vCPU per CPU unless booted with `dom0_max_vcpus`: reserving all of those
 * would leave the host offering nothing. So dom0 keeps what it has, but never more than a
 * quarter of the host (at least one CPU); operators size dom0 with `dom0_max_vcpus` (docs).
 */
export function dom0CpuReservation(hostCpus: number, dom0Vcpus: number): number {
  const cap = Math.max(1, Math.floor(hostCpus / 4));
  return Math.max(0, Math.min(dom0Vcpus, cap));
}
