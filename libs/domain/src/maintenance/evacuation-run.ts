import type { LeftVm } from './evacuation';

export type EvacuationCheck = { kind: 'missing' } | { kind: 'overtaken'; reason: string } | { kind: 'go' };

/**
 * Whether an evacuation goes on looking at its host: not once the host is gone (a bug), the
 * evacuation cancelled, or the host out of maintenance (enable ends the evacuation itself; this
 * catches a host that left maintenance another way).
 */
export function evacuationCheck(host: { state: string } | null, cancelRequested: boolean): EvacuationCheck {
  if (!host) return { kind: 'missing' };
  if (cancelRequested) return { kind: 'overtaken', reason: 'cancelled by request' };
  if (host.state !== 'maintenance')
    return { kind: 'overtaken', reason: `the host is ${host.state}: it left maintenance` };
  return { kind: 'go' };
}

/** What a failed evacuation says: each VM left behind, with why. */
export function evacuationFailureMessage(hostName: string, left: readonly LeftVm[]): string {
  return `${left.length} VM(s) could not leave host ${hostName}: ${left.map((l) => `${l.vmId} (${l.code}: ${l.message})`).join('; ')}`;
}
