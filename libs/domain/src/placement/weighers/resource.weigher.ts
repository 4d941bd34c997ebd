import type { PlacementWeigher } from '../filter';
import type { ResourceKey } from '../pool-stats';

/**
 * Spread: prefer the host with the largest share of this resource left after the VM lands;
 * pack: the smallest. Scores are 0..1 times the pool's weight for the resource.
 */
export const resourceWeigher = (resource: ResourceKey): PlacementWeigher => ({
  name: `${resource}_weigher`,
  score: (_host, ctx) => {
    const { mode, weight } = ctx.pool.weights[resource];
    const offered = ctx.offered[resource];
    if (weight === 0 || offered <= 0) return 0;
    const left = (ctx.free[resource] - ctx.request.resources[resource]) / offered;
    return weight * (mode === 'spread' ? left : 1 - left);
  },
});
