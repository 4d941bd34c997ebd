import { decideMigrationStep, type Sighting } from './migration-step';

const runs = (epoch = 3): Sighting => ({ at: 'here', domId: 7, epoch, running: true });
const paused = (epoch = 3): Sighting => ({ at: 'here', domId: 7, epoch, running: false });
const absent: Sighting = { at: 'absent' };
const silent: Sighting = { at: 'unreachable' };
const step = (source: Sighting, target: Sighting, final = false) =>
  decideMigrationStep({ source, target, epoch: 3, final });

describe('decideMigrationStep', () => {
  it('moves a domain the source still runs, clearing a leftover copy on the target first', () => {
    expect(step(runs(2), absent)).toEqual({ kind: 'migrate', clearTarget: false });
    expect(step(runs(2), paused())).toEqual({ kind: 'migrate', clearTarget: true });
    // a copy of an older attempt's epoch is a leftover even if it runs
    expect(step(runs(2), runs(2))).toEqual({ kind: 'migrate', clearTarget: true });
  });

  it('records the switch once the target runs the domain of the claim', () => {
    expect(step(absent, runs())).toEqual({ kind: 'finish', domId: 7, destroySource: false });
    expect(step(silent, runs())).toEqual({ kind: 'finish', domId: 7, destroySource: false });
    // the source's suspended copy goes: never two copies
    expect(step(paused(2), runs())).toEqual({ kind: 'finish', domId: 7, destroySource: true });
  });

  it('waits while it cannot tell, but never past the last attempt', () => {
    expect(step(runs(2), runs()).kind).toBe('wait');
    expect(step(silent, absent).kind).toBe('wait');
    expect(step(runs(2), silent).kind).toBe('wait');
    expect(step(absent, silent).kind).toBe('wait');
    expect(step(runs(2), runs(), true)).toEqual({ kind: 'abort', destroyTarget: true });
    expect(step(silent, absent, true)).toEqual({ kind: 'abort', destroyTarget: false });
    expect(step(silent, paused(), true)).toEqual({ kind: 'abort', destroyTarget: true });
    expect(step(runs(2), silent, true)).toEqual({ kind: 'abort', destroyTarget: false });
  });

  it('on the last attempt keeps the VM on the source that still has it', () => {
    expect(step(runs(2), absent, true)).toEqual({ kind: 'abort', destroyTarget: false });
    expect(step(runs(2), paused(), true)).toEqual({ kind: 'abort', destroyTarget: true });
  });

  it('says so when the domain is on neither host', () => {
    expect(step(absent, absent)).toEqual({ kind: 'vanished', destroyTarget: false });
    expect(step(absent, paused())).toEqual({ kind: 'vanished', destroyTarget: true });
    expect(step(absent, silent, true)).toEqual({ kind: 'vanished', destroyTarget: false });
  });
});
