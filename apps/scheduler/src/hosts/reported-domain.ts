import type { ReportedDomain } from '@xenplane/domain';
import { type Domain, DomainState } from '@xenplane/proto';

const STATE: Record<DomainState, ReportedDomain['state']> = {
  [DomainState.DOMAIN_STATE_RUNNING]: 'running',
  [DomainState.DOMAIN_STATE_BLOCKED]: 'blocked',
  [DomainState.DOMAIN_STATE_PAUSED]: 'paused',
  [DomainState.DOMAIN_STATE_SHUTDOWN]: 'shutdown',
  [DomainState.DOMAIN_STATE_CRASHED]: 'crashed',
  [DomainState.DOMAIN_STATE_DYING]: 'dying',
  [DomainState.DOMAIN_STATE_UNSPECIFIED]: 'unknown',
  [DomainState.UNRECOGNIZED]: 'unknown',
};

/** A domain as the reconciliation rules read it. */
export function toReported(d: Domain): ReportedDomain {
  return { vmId: d.vmId, epoch: d.epoch, state: STATE[d.state] ?? 'unknown' };
}
