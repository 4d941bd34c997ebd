/** A host's disk columns, as placement keeps them (GiB). */
export interface HostDisk {
  id: string;
  name: string;
  state: string;
  totalDiskGb: number;
  reservedDiskGb: number;
  usedDiskGb: number;
}

/** A storage pool's room on one host, or on all of them (GiB). */
export interface DiskRoom {
  totalGb: number;
  /** what dom0 keeps */
  reservedGb: number;
  /** what placement hands out: (total - reserved) x the pool's disk allocation ratio */
  offeredGb: number;
  /** what the VMs placed there claim (their root and data disks) */
  usedGb: number;
  /** offered less used, never below 0 */
  freeGb: number;
}

export interface HostDiskRoom extends DiskRoom {
  hostId: string;
  host: string;
  state: string;
}

/**
 * A `local` storage pool's capacity and usage: each host's own disk, as placement claims it
 * (the same offer as libs/domain offeredCapacity: what a VM's disks take is claimed there with
 * its memory), and their sum. A shared storage pool would be one store for all hosts; there is
 * none yet, so it has no per-host rows.
 */
export function localStorageRoom(
  hosts: readonly HostDisk[],
  diskAllocationRatio: number,
): { hosts: HostDiskRoom[]; sum: DiskRoom } {
  const rows = hosts.map((h): HostDiskRoom => {
    const offeredGb = Math.max(0, Math.floor((h.totalDiskGb - h.reservedDiskGb) * diskAllocationRatio));
    return {
      hostId: h.id,
      host: h.name,
      state: h.state,
      totalGb: h.totalDiskGb,
      reservedGb: h.reservedDiskGb,
      offeredGb,
      usedGb: h.usedDiskGb,
      freeGb: Math.max(0, offeredGb - h.usedDiskGb),
    };
  });
  const sum = (k: keyof DiskRoom) => rows.reduce((s, r) => s + r[k], 0);
  return {
    hosts: rows,
    sum: {
      totalGb: sum('totalGb'),
      reservedGb: sum('reservedGb'),
      offeredGb: sum('offeredGb'),
      usedGb: sum('usedGb'),
      freeGb: sum('freeGb'),
    },
  };
}
