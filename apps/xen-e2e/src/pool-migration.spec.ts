import { moveSeen, ticksOf } from './pool-migration';

describe("a migrating guest's ticks", () => {
  it('reads the ticks of a console, ignoring other lines', () => {
    expect(ticksOf('TINY-GUEST-UP\ntick 1 3.10\ntick 2 3.31\r\nxvda marker=\ntick 3 3.52\n')).toEqual([
      { n: 1, uptime: 3.1 },
      { n: 2, uptime: 3.31 },
      { n: 3, uptime: 3.52 },
    ]);
  });

  it('sees the count go on across a move, and the longest gap as the downtime', () => {
    const source = [
      { n: 10, uptime: 5.0 },
      { n: 11, uptime: 5.2 },
    ];
    const target = [
      { n: 11, uptime: 5.2 }, // the console ring replayed
      { n: 12, uptime: 6.9 },
      { n: 13, uptime: 7.1 },
    ];
    const seen = moveSeen(source, target);
    expect(seen.continued).toBe(true);
    expect(seen.downtimeS).toBeCloseTo(1.5);
  });

  it('counts the time of ticks neither log shows as down (an upper bound)', () => {
    const seen = moveSeen([{ n: 11, uptime: 5.2 }], [{ n: 14, uptime: 8.2 }]);
    expect(seen.downtimeS).toBeCloseTo(2.8);
  });

  it('does not call a guest that booted again on the target a continuation', () => {
    expect(moveSeen([{ n: 40, uptime: 12 }], [{ n: 1, uptime: 3 }]).continued).toBe(false);
    expect(moveSeen([{ n: 40, uptime: 12 }], []).continued).toBe(false);
  });
});
