import {
  answerKept,
  answerToKeep,
  idempotencyApplies,
  isIdempotencyKey,
  keyVerdict,
  type KeyRecord,
} from './idempotency';

describe('isIdempotencyKey', () => {
  it('takes 1 to 200 printable ASCII characters', () => {
    expect(isIdempotencyKey('a')).toBe(true);
    expect(isIdempotencyKey('x'.repeat(200))).toBe(true);
    expect(isIdempotencyKey('ci-run/42:retry~1')).toBe(true);
    expect(isIdempotencyKey('')).toBe(false);
    expect(isIdempotencyKey('x'.repeat(201))).toBe(false);
    expect(isIdempotencyKey('with space')).toBe(false);
    expect(isIdempotencyKey('é')).toBe(false);
  });
});

describe('idempotencyApplies', () => {
  it('applies to a POST or a DELETE with a key by an authenticated caller only', () => {
    expect(idempotencyApplies('POST', 'k', true)).toBe(true);
    expect(idempotencyApplies('DELETE', 'k', true)).toBe(true);
    expect(idempotencyApplies('GET', 'k', true)).toBe(false);
    expect(idempotencyApplies('PATCH', 'k', true)).toBe(false);
    expect(idempotencyApplies('POST', undefined, true)).toBe(false);
    expect(idempotencyApplies('POST', 'k', false)).toBe(false);
  });
});

describe('keyVerdict', () => {
  const now = new Date('2026-01-01T00:00:10Z');
  const later = new Date('2026-01-01T00:00:20Z');
  const earlier = new Date('2026-01-01T00:00:00Z');
  const record = (over: Partial<KeyRecord>): KeyRecord => ({
    requestHash: 'h',
    status: null,
    lockedUntil: later,
    ...over,
  });

  it('claims again a key a failed first attempt freed', () => {
    expect(keyVerdict(null, 'h', now, later)).toEqual({ kind: 'claim' });
  });

  it('refuses the key with another body, answered or not', () => {
    expect(keyVerdict(record({ requestHash: 'other' }), 'h', now, later)).toEqual({ kind: 'conflict-body' });
    expect(keyVerdict(record({ requestHash: 'other', status: 202 }), 'h', now, later)).toEqual({
      kind: 'conflict-body',
    });
  });

  it('replays the first answer, refusals included', () => {
    expect(keyVerdict(record({ status: 202 }), 'h', now, later)).toEqual({ kind: 'replay', status: 202 });
    expect(keyVerdict(record({ status: 409 }), 'h', now, later)).toEqual({ kind: 'replay', status: 409 });
  });

  it('waits for a first request still under its lease, and takes over one whose lease ran out', () => {
    expect(keyVerdict(record({}), 'h', now, later)).toEqual({ kind: 'wait', takeOver: false, givenUp: false });
    expect(keyVerdict(record({ lockedUntil: earlier }), 'h', now, later)).toEqual({
      kind: 'wait',
      takeOver: true,
      givenUp: false,
    });
  });

  it('gives up waiting past its deadline', () => {
    expect(keyVerdict(record({}), 'h', later, now)).toEqual({ kind: 'wait', takeOver: false, givenUp: true });
    expect(keyVerdict(record({}), 'h', now, now)).toEqual({ kind: 'wait', takeOver: false, givenUp: false });
  });
});

describe('answerKept', () => {
  it('keeps a success as the answer, and frees the key after a refusal or a failure', () => {
    expect(answerKept(201)).toBe('store');
    expect(answerKept(202)).toBe('store');
    expect(answerKept(204)).toBe('store');
    expect(answerKept(400)).toBe('release');
    expect(answerKept(409)).toBe('release');
    expect(answerKept(422)).toBe('release');
    expect(answerKept(500)).toBe('release');
  });
});

describe('answerToKeep', () => {
  it('keeps no secret of the first answer, and names what a replay withholds', () => {
    const created = { id: 't1', token: 'xp_secret', name: 'ci', role: 'member' };
    expect(answerToKeep(created, ['token'])).toEqual({
      id: 't1',
      name: 'ci',
      role: 'member',
      secretWithheld: ['token'],
    });
    expect(JSON.stringify(answerToKeep(created, ['token']))).not.toContain('xp_secret');
    expect(answerToKeep(created, [])).toBe(created);
    expect(answerToKeep({ id: 'v' }, ['token'])).toEqual({ id: 'v' });
    expect(answerToKeep(null, ['token'])).toBeNull();
  });
});
