import { migrationEnd, migrationStepFailure } from './migration-end';

describe('migrationStepFailure', () => {
  it('retries while it cannot tell where the domain is', () => {
    expect(migrationStepFailure({ kind: 'wait', reason: 'the target host does not answer' })).toEqual({
      kind: 'transient',
      message: 'cannot tell where the domain is yet: the target host does not answer',
    });
  });

  it('ends a migration that did not happen, or whose domain vanished, for good', () => {
    expect(migrationStepFailure({ kind: 'abort', destroyTarget: true })).toEqual({
      kind: 'permanent',
      code: 'agent_error',
      message: 'the migration did not happen',
    });
    expect(migrationStepFailure({ kind: 'vanished', destroyTarget: false })).toEqual({
      kind: 'permanent',
      code: 'agent_error',
      message: 'the source no longer has the domain',
    });
  });
});

describe('migrationEnd', () => {
  it('keeps the VM on its source when the migration never claimed a target', () => {
    expect(migrationEnd(undefined, 'no room')).toEqual({
      kind: 'abort',
      destroyTarget: false,
      outcome: 'running',
      message: 'no room',
    });
  });

  it('records the VM on the target when the switch happened after all', () => {
    expect(migrationEnd({ kind: 'finish', domId: 9, destroySource: true }, 'x')).toEqual({
      kind: 'finish',
      domId: 9,
      destroySource: true,
    });
  });

  it('keeps the VM on the source, destroying the copy on the target when there is one', () => {
    expect(migrationEnd({ kind: 'abort', destroyTarget: true }, 'timeout')).toEqual({
      kind: 'abort',
      destroyTarget: true,
      outcome: 'running',
      message: 'timeout',
    });
    expect(migrationEnd({ kind: 'abort', destroyTarget: false }, 'timeout')).toEqual({
      kind: 'abort',
      destroyTarget: false,
      outcome: 'running',
      message: 'timeout',
    });
  });

  it('stops the VM where its claim is when the domain runs nowhere, and says so', () => {
    expect(migrationEnd({ kind: 'vanished', destroyTarget: true }, 'gone')).toEqual({
      kind: 'abort',
      destroyTarget: true,
      outcome: 'stopped',
      message: 'gone; the domain runs on neither host',
    });
  });

  it('treats a step that is not an end as a migration that did not happen', () => {
    expect(migrationEnd({ kind: 'wait', reason: 'r' }, 'm')).toEqual({
      kind: 'abort',
      destroyTarget: false,
      outcome: 'running',
      message: 'm',
    });
    expect(migrationEnd({ kind: 'migrate', clearTarget: true }, 'm')).toEqual({
      kind: 'abort',
      destroyTarget: false,
      outcome: 'running',
      message: 'm',
    });
  });
});
