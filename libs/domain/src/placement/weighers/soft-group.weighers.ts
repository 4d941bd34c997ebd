import type { PlacementWeigher } from '../filter';

/** Soft affinity: rather where members already run. */
export const softAffinityWeigher: PlacementWeigher = {
  name: 'soft_affinity',
  score: (host, ctx) =>
    ctx.request.serverGroup?.policy === 'soft-affinity' && ctx.members.has(host.id) ? ctx.pool.weights.softAffinity : 0,
  appliesTo: (request) => request.serverGroup?.policy === 'soft-affinity',
};

/** Soft anti-affinity: rather not where members run, the more of them the less. */
export const softAntiAffinityWeigher: PlacementWeigher = {
  name: 'soft_anti_affinity',
  score: (host, ctx) =>
    ctx.request.serverGroup?.policy === 'soft-anti-affinity'
      ? -ctx.pool.weights.softAntiAffinity * (ctx.members.get(host.id) ?? 0)
      : 0,
  appliesTo: (request) => request.serverGroup?.policy === 'soft-anti-affinity',
};
