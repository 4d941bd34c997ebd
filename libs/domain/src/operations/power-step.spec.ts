import { nextPowerStep, powerPlan, powerRollback } from './power-step';

describe('nextPowerStep', () => {
  it('goes ahead on a VM in the state the API put it in, on its host', () => {
    expect(nextPowerStep('start', false, { state: 'starting', hostId: 'h1' })).toEqual({
      kind: 'go',
      plan: { via: 'starting', step: 'building', to: 'running', powerState: 'running' },
    });
    expect(nextPowerStep('stop', false, { state: 'stopping', hostId: 'h1' })).toEqual({
      kind: 'go',
      plan: { via: 'stopping', step: 'shutting-down', to: 'stopped', powerState: 'shutdown' },
    });
    expect(nextPowerStep('reboot', false, { state: 'rebooting', hostId: 'h1' })).toEqual({
      kind: 'go',
      plan: { via: 'rebooting', step: 'rebooting', to: 'running', powerState: 'running' },
    });
  });

  it('stops when the VM moved on, is gone, or the operation was cancelled', () => {
    expect(nextPowerStep('start', false, { state: 'deleting', hostId: 'h1' })).toEqual({
      kind: 'overtaken',
      reason: 'the VM is deleting',
    });
    expect(nextPowerStep('stop', false, { state: 'starting', hostId: 'h1' })).toEqual({
      kind: 'overtaken',
      reason: 'the VM is starting',
    });
    expect(nextPowerStep('reboot', false, null)).toEqual({ kind: 'overtaken', reason: 'the VM is gone' });
    expect(nextPowerStep('start', true, { state: 'starting', hostId: 'h1' })).toEqual({
      kind: 'overtaken',
      reason: 'the VM is starting',
    });
  });

  it('fails for good when the VM holds no host', () => {
    expect(nextPowerStep('start', false, { state: 'starting', hostId: null })).toEqual({ kind: 'no-host' });
  });
});

describe('powerRollback', () => {
  it('puts the VM back where it came from, else in error', () => {
    expect(powerRollback('stopped')).toBe('stopped');
    expect(powerRollback('running')).toBe('running');
    expect(powerRollback(undefined)).toBe('error');
  });

  it('knows each power kind', () => {
    expect(powerPlan('stop').via).toBe('stopping');
  });
});
