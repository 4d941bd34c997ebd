import { overQuota, percentUsed, quotaLeft, request } from './quota';

describe('quota before a create', () => {
  const quota = { instances: 10, vcpus: 20, memoryMb: 32768, diskGb: 200 };
  const usage = { instances: 9, vcpus: 18, memoryMb: 30000, diskGb: 250 };

  it('leaves what the quota minus the usage says, never below zero', () => {
    expect(quotaLeft(quota, usage)).toEqual({ instances: 1, vcpus: 2, memoryMb: 2768, diskGb: 0 });
  });

  it("names the resources a request of count VMs of a flavor would take past what's left", () => {
    const flavor = { vcpus: 2, memoryMb: 2048, diskGb: 10 };
    expect(request(flavor, 2, 5)).toEqual({ instances: 2, vcpus: 4, memoryMb: 4096, diskGb: 30 });
    expect(overQuota(quotaLeft(quota, usage), request(flavor, 2))).toEqual([
      'instances',
      'vcpus',
      'memoryMb',
      'diskGb',
    ]);
    expect(overQuota(quotaLeft(quota, { ...usage, diskGb: 0 }), request(flavor, 1))).toEqual([]);
  });

  it('shows percent used, capped at 100, with a zero quota full once anything is used', () => {
    expect(percentUsed(200, 50)).toBe(25);
    expect(percentUsed(3, 1)).toBe(33.3);
    expect(percentUsed(10, 20)).toBe(100);
    expect(percentUsed(0, 0)).toBe(0);
    expect(percentUsed(0, 1)).toBe(100);
  });
});
