import type { PlacementFilter } from '../filter';

/** A request for a pool only looks at that pool's hosts. */
export const poolFilter: PlacementFilter = {
  name: 'pool',
  reason: 'host is in another pool',
  passes: (host, ctx) => ctx.request.poolId === undefined || host.poolId === ctx.request.poolId,
  appliesTo: (request) => request.poolId !== undefined,
};
