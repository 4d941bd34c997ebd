import { MAX_DATA_DISKS } from '@xenplane/domain';
import { INT4_MAX, MAX_BATCH, MAX_DATA_DISK_GB, MAX_QUOTA, MAX_SIZE } from './size-limits';

describe('size limits', () => {
  it('keep a whole batch of the largest flavor, and every quota, within a Postgres integer', () => {
    for (const resource of ['vcpus', 'memoryMb', 'diskGb'] as const) {
      expect({ resource, batch: MAX_BATCH * MAX_SIZE[resource] <= INT4_MAX }).toEqual({ resource, batch: true });
    }
    for (const [resource, max] of Object.entries(MAX_QUOTA)) {
      expect({ resource, fits: max <= INT4_MAX }).toEqual({ resource, fits: true });
    }
    expect(MAX_BATCH <= MAX_QUOTA.instances).toBe(true);
  });

  it('keep a batch of VMs of the largest flavor with the most and largest data disks within a Postgres integer', () => {
    const vmDiskGb = MAX_SIZE.diskGb + MAX_DATA_DISKS * MAX_DATA_DISK_GB;
    expect(MAX_BATCH * vmDiskGb).toBeLessThanOrEqual(INT4_MAX);
  });
});
