import { FenceLease } from './fence';

describe('FenceLease', () => {
  afterEach(() => jest.useRealTimers());

  it('fences once the lease has run out on the monotonic clock, even when its timer fires early', async () => {
    jest.useFakeTimers({ doNotFake: ['performance'] });
    const fenced: string[][] = [];
    const lease = new FenceLease(true, async (ids) => void fenced.push(ids));
    let now = 1_000;
    jest.spyOn(performance, 'now').mockImplementation(() => now);
    lease.renew(100, ['vm-a']);
    // the timer fires while the monotonic clock says 10 ms remain (the event loop's cached time lagged)
    now = 1_090;
    await jest.advanceTimersByTimeAsync(100);
    expect(fenced).toEqual([]);
    now = 1_101;
    await jest.advanceTimersByTimeAsync(10);
    expect(fenced).toEqual([['vm-a']]);
    expect(lease.fenced).toBe(true);
    lease.stop();
  });

  it('does not fence while heartbeats keep renewing it, and says when it did', async () => {
    jest.useFakeTimers();
    const fenced: string[][] = [];
    const lease = new FenceLease(true, async (ids) => void fenced.push(ids));
    for (let i = 0; i < 5; i++) {
      expect(lease.renew(100, ['vm-a'])).toBe(false);
      await jest.advanceTimersByTimeAsync(60);
    }
    expect(fenced).toEqual([]);
    await jest.advanceTimersByTimeAsync(200);
    expect(fenced).toEqual([['vm-a']]);
    // the next heartbeat learns it
    expect(lease.renew(100, ['vm-a'])).toBe(true);
    lease.stop();
  });
});
