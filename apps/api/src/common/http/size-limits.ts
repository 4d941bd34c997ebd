/**
 * The largest sizes a request may name (API.md "Input limits"). The quota, usage and size
 * columns are Postgres `integer`: a VM's size, a whole batch of the largest flavor and any quota
 * each fit one, and the quota check adds usage to a request in bigint (libs/db quota.ts), so no
 * SQL sum of them can leave the integer range.
 */
export const INT4_MAX = 2_147_483_647;

/** VMs one create asks for (`count`). */
export const MAX_BATCH = 100;

/** A flavor's (and a dry run's raw) size: 512 vCPUs, 16 TiB of memory, 64 TiB of disk. */
export const MAX_SIZE = { vcpus: 512, memoryMb: 16 * 1024 * 1024, diskGb: 65_536 } as const;

/**
 * A data disk's size (`disks[].sizeGb` on create), 64 TiB as a flavor's disk: a VM with the
 * largest flavor and its 8 largest data disks is 9 x 64 Ki GiB, a batch of 100 of them fits
 * an integer.
 */
export const MAX_DATA_DISK_GB = 65_536;

/** A project's quota of each resource. */
export const MAX_QUOTA = {
  instances: 1_000_000,
  vcpus: 1_000_000,
  memoryMb: 1_000_000_000,
  diskGb: 1_000_000_000,
} as const;
