import type { HostState } from './liveness';

const DAY_MS = 86_400_000;

/** How long before its certificate expires a host gets a new one (CERT_RENEW_BEFORE_DAYS). */
export const DEFAULT_CERT_RENEW_BEFORE_DAYS = 30;

/** What the decision looks at: a host's state and its certificate's record. */
export interface HostCertificate {
  state: HostState;
  /** null: enrolled before expiries were recorded */
  certExpiresAt: Date | null;
  /** an operator's "renew now" not yet carried out */
  certRenewalRequestedAt: Date | null;
}

export type RenewalDecision =
  | { renew: true; reason: 'requested' | 'expiring' | 'expiry_unknown' }
  | { renew: false; reason: 'not_due' | 'unreachable' | 'expired' };

/**
 * Whether the control plane should renew a host's certificate now. Renewal goes over the
 * host's current mutual-TLS channel, so only a host that answers (up, or in maintenance) can be
 * renewed, and only while its certificate is still valid: an expired one can no longer carry
 * the request (the host must be enrolled again). Inside that, a host is renewed when an
 * operator asked, when its certificate has less than `renewBeforeDays` left, or when its
 * expiry was never recorded (enrolled before it was: renewing records it).
 */
export function certificateRenewal(host: HostCertificate, now: Date, renewBeforeDays: number): RenewalDecision {
  if (host.certExpiresAt && host.certExpiresAt.getTime() <= now.getTime()) return { renew: false, reason: 'expired' };
  if (host.state !== 'up' && host.state !== 'maintenance') return { renew: false, reason: 'unreachable' };
  if (host.certRenewalRequestedAt) return { renew: true, reason: 'requested' };
  if (!host.certExpiresAt) return { renew: true, reason: 'expiry_unknown' };
  if (host.certExpiresAt.getTime() - now.getTime() < renewBeforeDays * DAY_MS)
    return { renew: true, reason: 'expiring' };
  return { renew: false, reason: 'not_due' };
}
