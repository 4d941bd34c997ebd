import type { PlacementFilter } from '../filter';

/**
 * A pool with haHostFailuresToTolerate = N keeps room to restart the HA-protected VMs of any
 * N of its hosts. When hosts S fail, their protected usage P must fit in the free room F of
 * the others: sum(F) - sum_S(F) >= sum_S(P), i.e. sum(F) >= sum_S(P + F). The worst S is the N
 * hosts with the largest P + F, so the pool is safe while its total free room covers the N
 * largest (P + F), per resource. A placement is refused if it would break that: every VM
 * takes from the free room, and only an unprotected one lowers its host's P + F.
 */
export const haReserveFilter: PlacementFilter = {
  name: 'ha_reserve',
  reason: 'placing here would eat into the failover room the pool keeps for its HA-protected VMs',
  passes: (host, ctx) => {
    const ha = ctx.stats.ha;
    if (!ha) return true;
    const r = ctx.request.resources;
    const p = host.usedProtected;
    const f = ctx.free;
    const own = !ctx.request.haProtected;
    // each resource by its own property name: a loop over the keys made the lookups megamorphic
    return (
      keepsRoom(
        ha.totalFree.vcpus,
        ha.topSum.vcpus,
        ha.nth.vcpus,
        ha.next.vcpus,
        own ? p.vcpus + Math.max(0, f.vcpus) : undefined,
        r.vcpus,
      ) &&
      keepsRoom(
        ha.totalFree.memoryMb,
        ha.topSum.memoryMb,
        ha.nth.memoryMb,
        ha.next.memoryMb,
        own ? p.memoryMb + Math.max(0, f.memoryMb) : undefined,
        r.memoryMb,
      ) &&
      keepsRoom(
        ha.totalFree.diskGb,
        ha.topSum.diskGb,
        ha.nth.diskGb,
        ha.next.diskGb,
        own ? p.diskGb + Math.max(0, f.diskGb) : undefined,
        r.diskGb,
      )
    );
  },
};

/**
 * One resource: the pool's free room less the request still covers the N largest (P + F).
 * `hostValue`: this host's P + F when the VM is unprotected (it lowers them), as the pool
 * figures count it. At least the N-th largest: it is among the N largest, and shrinking it
 * lets the next largest in. (A host tied with the N-th but left out of the top N has the
 * (N+1)-th value too, so the sum stays.)
 */
function keepsRoom(
  totalFree: number,
  topSum: number,
  nth: number,
  next: number,
  hostValue: number | undefined,
  asked: number,
): boolean {
  let top = topSum;
  if (hostValue !== undefined && hostValue >= nth) top = top - hostValue + Math.max(hostValue - asked, next);
  return coversFailures(totalFree - asked, top);
}

/**
 * The HA reserve's one rule, for a resource: the pool's free room covers what the failing
 * hosts hold (their protected usage and their own free room, lost with them). The filter asks
 * it of a pool after a placement; GET /v1/pools/:id/ha (failuresTolerated) of the pool now.
 */
export function coversFailures(totalFree: number, failingProtectedPlusFree: number): boolean {
  return totalFree >= failingProtectedPlusFree;
}
