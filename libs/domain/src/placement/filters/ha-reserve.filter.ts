import { RESOURCE_KEYS } from '../pool-stats';
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
    for (const k of RESOURCE_KEYS) {
      let top = ha.topSum[k];
      if (!ctx.request.haProtected) {
        // this host's P + F, as the pool figures count it. At least the N-th largest: it is
        // among the N largest, and shrinking it lets the next largest in. (A host tied with
        // the N-th but left out of the top N has the (N+1)-th value too, so `top` stays.)
        const v = host.usedProtected[k] + Math.max(0, ctx.free[k]);
        if (v >= ha.nth[k]) top = top - v + Math.max(v - r[k], ha.next[k]);
      }
      if (ha.totalFree[k] - r[k] < top) return false;
    }
    return true;
  },
};
