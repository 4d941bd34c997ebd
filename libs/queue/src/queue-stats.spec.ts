import { oldestWaitingAge, waitingSince } from './queue-stats';

describe('queue stats', () => {
  it('a job waits from when it was added, after its delay, or from its last start', () => {
    expect(waitingSince({ timestamp: 1_000, opts: {} })).toBe(1_000);
    expect(waitingSince({ timestamp: 1_000, opts: { delay: 500 } })).toBe(1_500);
    expect(waitingSince({ timestamp: 1_000, processedOn: 4_000, opts: { delay: 500 } })).toBe(4_000);
  });

  it('the oldest waiting job gives the age, in seconds; none waiting gives null', () => {
    const jobs = [{ timestamp: 9_000, opts: {} }, undefined, { timestamp: 4_000, opts: {} }];
    expect(oldestWaitingAge(jobs, 10_000)).toBe(6);
    expect(oldestWaitingAge([{ timestamp: 12_000, opts: {} }], 10_000)).toBe(0);
    expect(oldestWaitingAge([], 10_000)).toBeNull();
  });
});
