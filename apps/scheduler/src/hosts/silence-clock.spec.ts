import { SilenceClock } from './silence-clock';

describe('SilenceClock', () => {
  const settings = { heartbeatIntervalMs: 2_000, suspectAfterMs: 6_000, deadAfterMs: 12_000 };
  let t = 0;
  const clock = () => new SilenceClock(() => t, 0);
  const host = (
    over: Partial<{ id: string; state: 'up' | 'suspect' | 'unreachable' | 'down'; heartbeatAgeMs: number | null }> = {},
  ) => ({
    id: 'h',
    state: 'up' as const,
    heartbeatAgeMs: 500,
    ...over,
  });
  beforeEach(() => (t = 0));

  it("measures silence from the answer on its own clock, else from Postgres's age", () => {
    const c = clock();
    expect(c.silentMs(host({ heartbeatAgeMs: 60_000 }))).toBe(60_000);
    t = 1_000;
    c.answered('h');
    t = 4_000;
    expect(c.silentMs(host({ heartbeatAgeMs: 60_000 }))).toBe(3_000);
    expect(c.silentMs(host({ id: 'never', heartbeatAgeMs: null }))).toBeNull();
  });

  it('asks each host at its interval, and a host in doubt every time', () => {
    const c = clock();
    expect(c.due(host(), settings, 500)).toBe(true);
    c.asked('h');
    t = 1_400;
    expect(c.due(host(), settings, 500)).toBe(false);
    t = 1_500;
    expect(c.due(host(), settings, 500)).toBe(true);
    c.asked('h');
    expect(c.due(host({ state: 'suspect' }), settings, 500)).toBe(true);
    // silent past the suspect timeout, its row still up: in doubt
    expect(c.due(host({ heartbeatAgeMs: 6_000 }), settings, 500)).toBe(true);
  });

  it('says when a silent host is to be judged: its dead timeout, counted from when watching began', () => {
    const c = clock();
    t = 3_000;
    // an hour of silence seen by a replica watching for 3 s: dead in 9 s, not now
    expect(c.untilDeadMs(3_600_000, settings)).toBe(9_000);
    t = 30_000;
    expect(c.untilDeadMs(7_000, settings)).toBe(5_000);
    expect(c.untilDeadMs(20_000, settings)).toBe(0);
  });

  it('forgets what it heard of hosts no longer its own', () => {
    const c = clock();
    c.answered('h');
    c.answered('other');
    t = 10_000;
    c.keepOnly([{ id: 'h' }]);
    expect(c.silentMs(host({ id: 'other', heartbeatAgeMs: 2_000 }))).toBe(2_000);
    expect(c.silentMs(host())).toBe(10_000);
  });
});
