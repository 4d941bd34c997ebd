import { evacuationCheck, evacuationFailureMessage } from './evacuation-run';

describe('evacuationCheck', () => {
  it('goes on while the host is in maintenance', () => {
    expect(evacuationCheck({ state: 'maintenance' }, false)).toEqual({ kind: 'go' });
  });

  it('fails when the host is gone, before anything else', () => {
    expect(evacuationCheck(null, true)).toEqual({ kind: 'missing' });
  });

  it('stops when cancelled, or when the host left maintenance', () => {
    expect(evacuationCheck({ state: 'maintenance' }, true)).toEqual({
      kind: 'overtaken',
      reason: 'cancelled by request',
    });
    expect(evacuationCheck({ state: 'up' }, false)).toEqual({
      kind: 'overtaken',
      reason: 'the host is up: it left maintenance',
    });
    expect(evacuationCheck({ state: 'down' }, false)).toEqual({
      kind: 'overtaken',
      reason: 'the host is down: it left maintenance',
    });
  });
});

describe('evacuationFailureMessage', () => {
  it('names each VM left behind and why', () => {
    expect(
      evacuationFailureMessage('xen-2', [
        { vmId: 'v1', code: 'no_valid_host', message: 'no room' },
        { vmId: 'v2', code: 'agent_error', message: 'libxl' },
      ]),
    ).toBe('2 VM(s) could not leave host xen-2: v1 (no_valid_host: no room); v2 (agent_error: libxl)');
  });
});
