/** A simulated Xen host's hardware and timings (SIM_* settings of the agent). */
export interface SimConfig {
  hostname: string;
  nrCpus: number;
  totalMemoryMb: number;
  /** what dom0 runs with (dom0_mem) */
  dom0MemoryMb: number;
  dom0Vcpus: number;
  /** what Xen keeps for itself (heap, frame tables) */
  xenReservedMb: number;
  totalDiskGb: number;
  /** how long `xl create` takes until the domain runs */
  bootMs: number;
  /** how long a guest takes to shut down cleanly */
  shutdownMs: number;
  cpuVendor: string;
  cpuFeatures: string[];
  hvm: boolean;
  hap: boolean;
  xenVersion: string;
  /** migration bandwidth, MB/s, and the pause at the end of a live migration */
  migrationMbps: number;
  migrationDowntimeMs: number;
  /** the LUN paths it maps for shared storage pools (AGENT_SHARED_DEVICES): a simulated host opens none */
  sharedDevices?: readonly string[];
}

export const DEFAULT_SIM: Omit<SimConfig, 'hostname'> = {
  nrCpus: 16,
  totalMemoryMb: 65_536,
  dom0MemoryMb: 2_048,
  dom0Vcpus: 2,
  xenReservedMb: 128,
  totalDiskGb: 2_000,
  bootMs: 200,
  shutdownMs: 100,
  cpuVendor: 'GenuineIntel',
  cpuFeatures: ['sse4_2', 'avx', 'avx2', 'aes', 'vmx', 'ept', 'x2apic', 'pcid'],
  hvm: true,
  hap: true,
  xenVersion: '4.17.5',
  migrationMbps: 1_000,
  migrationDowntimeMs: 40,
};

/** Xen's own per-domain memory (p2m tables, shadow/HAP pool): about 8 MB per GB, plus 1. */
export function domainOverheadMb(memoryMb: number): number {
  return 1 + Math.ceil(memoryMb / 128);
}

/**
 * What the host tells the control plane to keep off-limits: dom0, Xen itself, and headroom
 * for the per-domain overhead of a full host (2%), so a host filled to its offered capacity
 * still has the memory Xen needs for every domain.
 */
export function reservedMemoryMb(c: Pick<SimConfig, 'totalMemoryMb' | 'dom0MemoryMb' | 'xenReservedMb'>): number {
  return c.dom0MemoryMb + c.xenReservedMb + Math.ceil(c.totalMemoryMb * 0.02);
}
