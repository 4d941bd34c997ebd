import {
  DEFAULT_LIVENESS,
  fenceAfterMs,
  fenceBudgetMs,
  CLOCK_DRIFT,
  livenessProblems,
  nextHostState,
  type LivenessInput,
} from './liveness';

describe('nextHostState', () => {
  const settings = { heartbeatIntervalMs: 2_000, suspectAfterMs: 6_000, deadAfterMs: 12_000 };
  const base: Omit<LivenessInput, 'state' | 'answered' | 'silentMs'> = { watchedMs: 3_600_000, settings };

  it('brings an answering host up, from enrolling, suspect, unreachable or down', () => {
    for (const state of ['enrolling', 'suspect', 'unreachable', 'down', 'up'] as const) {
      expect(nextHostState({ ...base, state, silentMs: 60_000, answered: true })).toBe('up');
    }
  });

  it('suspects, then declares dead, a silent host', () => {
    expect(nextHostState({ ...base, state: 'up', silentMs: 3_000, answered: false })).toBe('up');
    expect(nextHostState({ ...base, state: 'up', silentMs: 7_000, answered: false })).toBe('suspect');
    expect(nextHostState({ ...base, state: 'suspect', silentMs: 13_000, answered: false })).toBe('down');
    expect(nextHostState({ ...base, state: 'unreachable', silentMs: 9_000, answered: false })).toBe('unreachable');
    expect(nextHostState({ ...base, state: 'down', silentMs: 7_000, answered: false })).toBe('down');
  });

  it('declares nobody dead before the control plane has watched for the dead timeout (it was down itself)', () => {
    const back = { ...base, watchedMs: 500 };
    // an hour-old heartbeat: in doubt at once, not dead
    expect(nextHostState({ ...back, state: 'up', silentMs: 3_600_000, answered: false })).toBe('suspect');
    expect(nextHostState({ ...back, state: 'suspect', silentMs: 3_600_000, answered: false })).toBe('suspect');
    expect(nextHostState({ ...back, watchedMs: 12_000, state: 'suspect', silentMs: 3_600_000, answered: false })).toBe(
      'down',
    );
  });

  it('never lets heartbeats override an operator', () => {
    expect(nextHostState({ ...base, state: 'maintenance', silentMs: 60_000, answered: false })).toBe('maintenance');
    expect(nextHostState({ ...base, state: 'disabled', silentMs: 1, answered: true })).toBe('disabled');
  });

  it('keeps a host that never answered enrolling', () => {
    expect(nextHostState({ ...base, state: 'enrolling', silentMs: null, answered: false })).toBe('enrolling');
  });
});

describe('the fence timeout', () => {
  it('leaves the agent time to probe and stop its domains before the dead timeout, whatever the drift', () => {
    for (const s of [
      DEFAULT_LIVENESS,
      { heartbeatIntervalMs: 500, suspectAfterMs: 2_000, deadAfterMs: 6_000 },
      { heartbeatIntervalMs: 2_000, suspectAfterMs: 45_000, deadAfterMs: 180_000 },
    ]) {
      const fence = fenceAfterMs(s);
      const { stopMs, probeMs } = fenceBudgetMs(s);
      // the agent's clock runs fast by the drift, the control plane's slow: still in time
      expect(fence * (1 + CLOCK_DRIFT) + probeMs * (1 + CLOCK_DRIFT) + stopMs).toBeLessThanOrEqual(
        s.deadAfterMs * (1 - CLOCK_DRIFT),
      );
      expect(fence).toBeGreaterThan(2 * s.heartbeatIntervalMs);
    }
    expect(fenceAfterMs(DEFAULT_LIVENESS)).toBe(8_782);
  });

  it('refuses settings that leave no room', () => {
    expect(livenessProblems(DEFAULT_LIVENESS)).toEqual([]);
    expect(
      livenessProblems({ heartbeatIntervalMs: 2_000, suspectAfterMs: 3_000, deadAfterMs: 12_000 }).map((p) => p.field),
    ).toEqual(['suspectAfterMs']);
    expect(
      livenessProblems({ heartbeatIntervalMs: 2_000, suspectAfterMs: 6_000, deadAfterMs: 6_000 }).map((p) => p.field),
    ).toEqual(['deadAfterMs']);
    expect(
      livenessProblems({ heartbeatIntervalMs: 2_000, suspectAfterMs: 4_000, deadAfterMs: 7_000 }).map((p) => p.field),
    ).toEqual(['deadAfterMs']);
  });
});
