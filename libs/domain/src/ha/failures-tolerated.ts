import { coversFailures } from '../placement/filters/ha-reserve.filter';
import { freeOf, RESOURCE_KEYS } from '../placement/pool-stats';
import { isPlaceable, type PlacementHost, type PlacementPool } from '../placement/types';

/**
 * How many of its hosts a pool can lose now with every HA-protected VM of theirs restarted on
 * the others (XenServer's pool-ha-compute-max-host-failures-to-tolerate): the largest N for
 * which the free room of the placeable hosts covers, per resource, the N largest (protected +
 * free) — the same rule the HA reserve filter keeps (coversFailures). At most all hosts but one.
 */
export function failuresTolerated(hosts: Iterable<PlacementHost>, pool: PlacementPool): number {
  const placeable = [...hosts].filter((h) => h.poolId === pool.id && isPlaceable(h));
  if (placeable.length === 0) return 0;
  let tolerated = placeable.length - 1;
  for (const k of RESOURCE_KEYS) {
    const free = placeable.map((h) => freeOf(h, pool, k));
    const totalFree = free.reduce((a, b) => a + b, 0);
    const held = placeable.map((h, i) => h.usedProtected[k] + free[i]!).sort((a, b) => b - a);
    let n = 0;
    let sum = 0;
    while (n < tolerated && coversFailures(totalFree, sum + held[n]!)) sum += held[n++]!;
    tolerated = n;
  }
  return tolerated;
}
