/** A project's quota or usage (the API's QuotaView). */
export interface Quota {
  instances: number;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

export const QUOTA_RESOURCES = [
  { key: 'instances', label: 'Instances', unit: '' },
  { key: 'vcpus', label: 'vCPUs', unit: '' },
  { key: 'memoryMb', label: 'Memory', unit: 'MiB' },
  { key: 'diskGb', label: 'Disk', unit: 'GiB' },
] as const satisfies readonly { key: keyof Quota; label: string; unit: string }[];

/** What is left of each resource (never below 0). */
export function quotaLeft(quota: Quota, usage: Quota): Quota {
  const left = (k: keyof Quota) => Math.max(0, quota[k] - usage[k]);
  return { instances: left('instances'), vcpus: left('vcpus'), memoryMb: left('memoryMb'), diskGb: left('diskGb') };
}

/** What `count` VMs of a flavor (plus data disks) would take. */
export function request(flavor: { vcpus: number; memoryMb: number; diskGb: number }, count: number, extraDiskGb = 0) {
  return {
    instances: count,
    vcpus: flavor.vcpus * count,
    memoryMb: flavor.memoryMb * count,
    diskGb: (flavor.diskGb + extraDiskGb) * count,
  };
}

/** The resources a request would take past what is left (empty: it fits). */
export function overQuota(left: Quota, wanted: Quota): (keyof Quota)[] {
  return QUOTA_RESOURCES.map((r) => r.key).filter((k) => wanted[k] > left[k]);
}

/** Percent used, 0..100 (a quota of 0 with nothing used is 0; anything used of 0 is 100). */
export function percentUsed(quota: number, used: number): number {
  if (quota <= 0) return used > 0 ? 100 : 0;
  return Math.min(100, Math.round((used / quota) * 1000) / 10);
}
