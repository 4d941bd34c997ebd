import { OPERATION_KINDS, progressOf, stepsOf } from './operation';

describe('operations', () => {
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
