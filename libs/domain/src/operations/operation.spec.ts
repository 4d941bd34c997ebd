import { isTerminal, OPERATION_KINDS, progressOf, stepsOf } from './operation';

describe('operations', () => {
  it('knows terminal statuses', () => {
    expect(isTerminal('queued')).toBe(false);
    expect(isTerminal('running')).toBe(false);
    expect(isTerminal('succeeded')).toBe(true);
    expect(isTerminal('failed')).toBe(true);
    expect(isTerminal('cancelled')).toBe(true);
  });

  it('reports progress from 0 to 100 along every kind of operation', () => {
    for (const kind of OPERATION_KINDS) {
      const steps = stepsOf(kind);
      const progress = steps.map((s) => progressOf(kind, s));
      expect(progress[0]).toBe(0);
      expect(progress[progress.length - 1]).toBe(100);
      expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    }
    expect(progressOf('create', 'nonsense')).toBe(0);
  });
});
