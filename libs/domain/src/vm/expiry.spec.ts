import { expiresAtOf } from './expiry';

describe('expiresAtOf', () => {
  const now = new Date('2026-01-01T00:00:00Z');

  it('expires a VM its time to live from now', () => {
    expect(expiresAtOf(3600, now)).toEqual(new Date('2026-01-01T01:00:00Z'));
  });

  it('never expires a VM without one', () => {
    expect(expiresAtOf(undefined, now)).toBeNull();
  });
});
