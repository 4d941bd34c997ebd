import { tickLeaseMs } from './tick-lease';

describe('tickLeaseMs', () => {
  it('lasts five intervals, and ten seconds at least', () => {
    expect(tickLeaseMs(60_000)).toBe(300_000);
    expect(tickLeaseMs(2_000)).toBe(10_000);
    expect(tickLeaseMs(1_000)).toBe(10_000);
  });
});
