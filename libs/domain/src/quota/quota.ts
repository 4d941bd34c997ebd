/** What a VM (or a batch of them) consumes of a project's quota. */
export interface QuotaUsage {
  instances: number;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

const QUOTA_FIELDS = ['instances', 'vcpus', 'memoryMb', 'diskGb'] as const;
export type QuotaField = (typeof QUOTA_FIELDS)[number];

export interface QuotaExcess {
  resource: QuotaField;
  limit: number;
  used: number;
  requested: number;
}

/** The resources a request would take over the limit; empty when it fits. */
export function quotaExcess(limit: QuotaUsage, used: QuotaUsage, requested: QuotaUsage): QuotaExcess[] {
  return QUOTA_FIELDS.filter((f) => used[f] + requested[f] > limit[f]).map((resource) => ({
    resource,
    limit: limit[resource],
    used: used[resource],
    requested: requested[resource],
  }));
}

/** The quota a batch of identical VMs takes. */
export function batchUsage(perVm: { vcpus: number; memoryMb: number; diskGb: number }, count: number): QuotaUsage {
  return {
    instances: count,
    vcpus: perVm.vcpus * count,
    memoryMb: perVm.memoryMb * count,
    diskGb: perVm.diskGb * count,
  };
}
