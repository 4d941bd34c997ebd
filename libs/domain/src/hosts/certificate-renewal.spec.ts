import { certificateRenewal, DEFAULT_CERT_RENEW_BEFORE_DAYS, type HostCertificate } from './certificate-renewal';

const DAY = 86_400_000;
const now = new Date('2027-06-01T12:00:00Z');
const inDays = (d: number) => new Date(now.getTime() + d * DAY);
const host = (over: Partial<HostCertificate> = {}): HostCertificate => ({
  state: 'up',
  certExpiresAt: inDays(200),
  certRenewalRequestedAt: null,
  ...over,
});
const decide = (h: HostCertificate, before = DEFAULT_CERT_RENEW_BEFORE_DAYS) => certificateRenewal(h, now, before);

describe('certificateRenewal', () => {
  it('leaves a certificate with more than the set days left alone', () => {
    expect(decide(host({ certExpiresAt: inDays(31) }))).toEqual({ renew: false, reason: 'not_due' });
    expect(decide(host({ certExpiresAt: inDays(30) }))).toEqual({ renew: false, reason: 'not_due' });
  });

  it('renews one with less than the set days left, up to the last millisecond', () => {
    expect(decide(host({ certExpiresAt: new Date(inDays(30).getTime() - 1) }))).toEqual({
      renew: true,
      reason: 'expiring',
    });
    expect(decide(host({ certExpiresAt: new Date(now.getTime() + 1) }))).toEqual({ renew: true, reason: 'expiring' });
  });

  it('follows the setting', () => {
    expect(decide(host({ certExpiresAt: inDays(45) }), 60)).toEqual({ renew: true, reason: 'expiring' });
    expect(decide(host({ certExpiresAt: inDays(45) }), 7)).toEqual({ renew: false, reason: 'not_due' });
  });

  it('cannot renew an expired certificate: the channel it would go over is gone', () => {
    expect(decide(host({ certExpiresAt: now }))).toEqual({ renew: false, reason: 'expired' });
    expect(decide(host({ certExpiresAt: inDays(-1), certRenewalRequestedAt: now }))).toEqual({
      renew: false,
      reason: 'expired',
    });
  });

  it('renews at once when an operator asked, however long is left', () => {
    expect(decide(host({ certExpiresAt: inDays(300), certRenewalRequestedAt: now }))).toEqual({
      renew: true,
      reason: 'requested',
    });
  });

  it('renews a host whose expiry was never recorded (and so learns it)', () => {
    expect(decide(host({ certExpiresAt: null }))).toEqual({ renew: true, reason: 'expiry_unknown' });
  });

  it.each(['enrolling', 'suspect', 'unreachable', 'down', 'disabled'] as const)(
    'waits while the host is %s (nothing would answer), even when asked',
    (state) => {
      expect(decide(host({ state, certExpiresAt: inDays(1), certRenewalRequestedAt: now }))).toEqual({
        renew: false,
        reason: 'unreachable',
      });
    },
  );

  it('renews a host in maintenance (it still answers)', () => {
    expect(decide(host({ state: 'maintenance', certExpiresAt: inDays(2) }))).toEqual({
      renew: true,
      reason: 'expiring',
    });
  });
});
