import { orphanedJob } from './orphans';

describe('orphanedJob', () => {
  it('gives an operation without a job a new one', () => {
    expect(orphanedJob('unknown')).toBe('enqueue');
  });

  it('frees the id of a job that ended while its operation did not', () => {
    expect(orphanedJob('completed')).toBe('remove-then-enqueue');
    expect(orphanedJob('failed')).toBe('remove-then-enqueue');
  });

  it('leaves a live job alone', () => {
    for (const state of ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'])
      expect(orphanedJob(state)).toBe('alive');
  });
});
