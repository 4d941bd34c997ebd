import { dom0CpuReservation, offeredCapacity } from './capacity';

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
      offeredCapacity(
        { vcpus: 1, memoryMb: 512, diskGb: 0 },
        { vcpus: 2, memoryMb: 1024, diskGb: 10 },
        {
          cpuAllocationRatio: 1,
          ramAllocationRatio: 1,
          diskAllocationRatio: 1,
        },
      ),
    ).toEqual({ vcpus: 0, memoryMb: 0, diskGb: 0 });
  });
});

describe('dom0CpuReservation', () => {
  it('keeps what dom0 was booted with when dom0_max_vcpus sized it', () => {
    expect(dom0CpuReservation(32, 4)).toBe(4);
    expect(dom0CpuReservation(2, 1)).toBe(1);
  });

  it('keeps at most a quarter of the host when dom0 has a vCPU per CPU (Xen without dom0_max_vcpus)', () => {
    expect(dom0CpuReservation(32, 32)).toBe(8);
    expect(dom0CpuReservation(8, 8)).toBe(2);
  });

  it('keeps at least one CPU, and never more than dom0 has', () => {
    expect(dom0CpuReservation(2, 2)).toBe(1);
    expect(dom0CpuReservation(1, 1)).toBe(1);
    expect(dom0CpuReservation(64, 0)).toBe(0);
  });
});
