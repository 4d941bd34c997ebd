import { batchUsage, quotaExcess } from './quota';

describe('quota', () => {
  const limit = { instances: 10, vcpus: 20, memoryMb: 8192, diskGb: 100 };
  const used = { instances: 8, vcpus: 16, memoryMb: 4096, diskGb: 80 };

  it('accepts a request that fits exactly', () => {
    expect(quotaExcess(limit, used, batchUsage({ vcpus: 2, memoryMb: 2048, diskGb: 10 }, 2))).toEqual([]);
  });

  it('names every resource a batch would exceed', () => {
    const excess = quotaExcess(limit, used, batchUsage({ vcpus: 2, memoryMb: 2048, diskGb: 10 }, 3));
    expect(excess.map((e) => e.resource)).toEqual(['instances', 'vcpus', 'memoryMb', 'diskGb']);
    expect(excess[0]).toEqual({ resource: 'instances', limit: 10, used: 8, requested: 3 });
  });
});
