import { StepClock } from './step-clock';

describe('StepClock', () => {
  it('times each step from its start to the next step or the end', () => {
    const clock = new StepClock();
    expect(clock.enter('op1', 'create', 'placing', 1_000)).toBeUndefined();
    expect(clock.enter('op1', 'create', 'building', 1_250)).toEqual({ kind: 'create', step: 'placing', seconds: 0.25 });
    expect(clock.leave('op1', 4_250)).toEqual({ kind: 'create', step: 'building', seconds: 3 });
    expect(clock.leave('op1', 5_000)).toBeUndefined();
    expect(clock.size).toBe(0);
  });

  it('keeps operations apart and never reports a negative time', () => {
    const clock = new StepClock();
    clock.enter('a', 'create', 'placing', 1_000);
    clock.enter('b', 'delete', 'destroying', 2_000);
    expect(clock.leave('a', 900)).toEqual({ kind: 'create', step: 'placing', seconds: 0 });
    expect(clock.leave('b', 2_500)).toEqual({ kind: 'delete', step: 'destroying', seconds: 0.5 });
  });

  it('takes a step recorded twice for one step, and moves a known operation on by its id alone', () => {
    const clock = new StepClock();
    clock.enter('a', 'create', 'placing', 0);
    expect(clock.moveOn('a', 'building', 500)).toEqual({ kind: 'create', step: 'placing', seconds: 0.5 });
    expect(clock.enter('a', 'create', 'building', 900)).toBeUndefined();
    expect(clock.leave('a', 1_500)).toEqual({ kind: 'create', step: 'building', seconds: 1 });
    expect(clock.moveOn('unknown', 'building', 0)).toBe(false);
    expect(clock.size).toBe(0);
  });

  it('forgets the oldest operations beyond its capacity', () => {
    const clock = new StepClock(2);
    clock.enter('a', 'create', 'placing', 0);
    clock.enter('b', 'create', 'placing', 0);
    clock.enter('c', 'create', 'placing', 0);
    expect(clock.size).toBe(2);
    expect(clock.leave('a', 10)).toBeUndefined();
    expect(clock.leave('c', 10)).toEqual({ kind: 'create', step: 'placing', seconds: 0.01 });
  });
});
