import { eventVisibleTo, isEventId, releasable } from './event-feed';

const ids = (...n: number[]) => n.map(BigInt);

describe('releasable', () => {
  it('hands out rows that follow the cursor without a gap', () => {
    expect(releasable({ cursor: 10n, gapSince: undefined }, ids(11, 12, 13), 0, 2_000)).toEqual({
      count: 3,
      gapSince: undefined,
    });
    expect(releasable({ cursor: 10n, gapSince: undefined }, [], 0, 2_000)).toEqual({ count: 0, gapSince: undefined });
  });

  it('stops before a missing id, and starts the gap clock', () => {
    expect(releasable({ cursor: 10n, gapSince: undefined }, ids(11, 13, 14), 5_000, 2_000)).toEqual({
      count: 1,
      gapSince: 5_000,
    });
    expect(releasable({ cursor: 10n, gapSince: undefined }, ids(12), 5_000, 2_000)).toEqual({
      count: 0,
      gapSince: 5_000,
    });
  });

  it('keeps waiting on the same gap until it is old enough, then hands out everything', () => {
    expect(releasable({ cursor: 10n, gapSince: 5_000 }, ids(12), 6_999, 2_000)).toEqual({ count: 0, gapSince: 5_000 });
    expect(releasable({ cursor: 10n, gapSince: 5_000 }, ids(12, 13), 7_000, 2_000)).toEqual({
      count: 2,
      gapSince: undefined,
    });
  });

  it('forgets the gap once the late row committed', () => {
    expect(releasable({ cursor: 10n, gapSince: 5_000 }, ids(11, 12), 6_000, 2_000)).toEqual({
      count: 2,
      gapSince: undefined,
    });
  });
});

describe('eventVisibleTo', () => {
  it("shows a project's token its own events, and a global token everything", () => {
    expect(eventVisibleTo('p1', 'p1')).toBe(true);
    expect(eventVisibleTo('p1', 'p2')).toBe(false);
    expect(eventVisibleTo('p1', null)).toBe(false);
    expect(eventVisibleTo(null, 'p2')).toBe(true);
    expect(eventVisibleTo(null, null)).toBe(true);
  });
});

describe('isEventId', () => {
  it('takes digits up to the largest bigint', () => {
    expect(isEventId('0')).toBe(true);
    expect(isEventId('9223372036854775807')).toBe(true);
    expect(isEventId('9223372036854775808')).toBe(false);
    expect(isEventId('9'.repeat(19))).toBe(false);
    expect(isEventId('9'.repeat(20))).toBe(false);
    expect(isEventId('')).toBe(false);
    expect(isEventId('-1')).toBe(false);
    expect(isEventId('12a')).toBe(false);
  });
});
