import type { Host, Prisma } from '@xenplane/db';
import { dom0CpuReservation } from '@xenplane/domain';
import type { HostInfo } from '@xenplane/proto';

/** The host columns an agent's inventory sets: what `xl info` says, and dom0's share. */
export function inventoryColumns(info: HostInfo): Prisma.HostUpdateInput {
  return {
    totalVcpus: info.nrCpus,
    totalMemoryMb: info.totalMemoryMb,
    totalDiskGb: info.totalDiskGb,
    reservedVcpus: dom0CpuReservation(info.nrCpus, info.dom0Vcpus),
    reservedMemoryMb: info.dom0MemoryMb,
    freeMemoryMb: info.freeMemoryMb,
    cpuVendor: info.cpuVendor,
    cpuFeatures: [...info.cpuFeatures].sort(),
    hvm: info.hvm,
    hap: info.hap,
    xenVersion: info.xenVersion,
    agentVersion: info.agentVersion,
    peerAddress: info.peerAddress || null,
  };
}

/** Whether the stored inventory differs from a fresh one (free memory alone does not count). */
export function inventoryChanged(host: Host, info: HostInfo): boolean {
  const fresh = inventoryColumns(info);
  return (
    host.totalVcpus !== fresh.totalVcpus ||
    host.totalMemoryMb !== fresh.totalMemoryMb ||
    host.totalDiskGb !== fresh.totalDiskGb ||
    host.reservedVcpus !== fresh.reservedVcpus ||
    host.reservedMemoryMb !== fresh.reservedMemoryMb ||
    host.cpuVendor !== fresh.cpuVendor ||
    host.cpuFeatures.join(',') !== (fresh.cpuFeatures as string[]).join(',') ||
    host.hvm !== fresh.hvm ||
    host.hap !== fresh.hap ||
    host.xenVersion !== fresh.xenVersion ||
    host.agentVersion !== fresh.agentVersion ||
    host.peerAddress !== fresh.peerAddress
  );
}
