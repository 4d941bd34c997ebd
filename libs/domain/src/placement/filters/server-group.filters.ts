import type { PlacementFilter } from '../filter';

/** Hard anti-affinity: never two members of the group on one host. */
export const antiAffinityFilter: PlacementFilter = {
  name: 'anti_affinity',
  reason: 'host already runs a member of the anti-affinity group',
  passes: (host, ctx) => ctx.request.serverGroup?.policy !== 'anti-affinity' || !ctx.members.has(host.id),
  appliesTo: (request) => request.serverGroup?.policy === 'anti-affinity',
};

/** Hard affinity: once the group has a member, every other member goes to its host. */
export const affinityFilter: PlacementFilter = {
  name: 'affinity',
  reason: 'host does not run the members of the affinity group',
  passes: (host, ctx) =>
    ctx.request.serverGroup?.policy !== 'affinity' || ctx.members.size === 0 || ctx.members.has(host.id),
  appliesTo: (request) => request.serverGroup?.policy === 'affinity' && request.serverGroup.memberHostIds.length > 0,
};
