import { offeredCapacity } from './capacity';

describe('offeredCapacity', () => {
  it('takes dom0 out, then applies the ratio, rounding down', () => {
    expect(
      offeredCapacity(
        { vcpus: 16, memoryMb: 65536, diskGb: 1000 },
        { vcpus: 2, memoryMb: 2048, diskGb: 50 },
        { cpuAllocationRatio: 4, ramAllocationRatio: 1.5, diskAllocationRatio: 0.9 },
      ),
    ).toEqual({ vcpus: 56, memoryMb: 95232, diskGb: 855 });
  });

  it('never offers a negative amount', () => {
    expect(
      offeredCapacity({ vcpus: 1, memoryMb: 512, diskGb: 0 }, { vcpus: 2, memoryMb: 1024, diskGb: 10 }, {
        cpuAllocationRatio: 1,
        ramAllocationRatio: 1,
        diskAllocationRatio: 1,
      }),
    ).toEqual({ vcpus: 0, memoryMb: 0, diskGb: 0 });
  });
});
