import type { PlacementFilter } from '../filter';

/** Hosts the request rules out by name (a migration's source, a host being evacuated). */
export const excludedFilter: PlacementFilter = {
  name: 'excluded',
  reason: 'host is excluded by the request (e.g. the migration source)',
  passes: (host, ctx) => !ctx.excluded.has(host.id),
  appliesTo: (request) => (request.excludeHostIds?.length ?? 0) > 0,
};
