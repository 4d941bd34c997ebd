import type { Resources } from '../hosts/capacity';
import { decide, type DecideOptions } from './engine';
import { PoolStatsIndex } from './pool-stats-index';
import { type FilterCount, hostsOf, type PlacementHost, type PlacementRequest, type PlacementView } from './types';

/** A host as it would be once a VM of these resources lands on it. */
export function withPlacement(host: PlacementHost, r: Resources, haProtected: boolean): PlacementHost {
  return withUsage(host, r, haProtected, 1);
}

/** A host with a VM's usage added (1) or taken back (-1): a placement, or a reservation given back. */
export function withUsage(host: PlacementHost, r: Resources, haProtected: boolean, sign: 1 | -1): PlacementHost {
  const plus = (a: Resources): Resources => ({
    vcpus: a.vcpus + sign * r.vcpus,
    memoryMb: a.memoryMb + sign * r.memoryMb,
    diskGb: a.diskGb + sign * r.diskGb,
  });
  return {
    ...host,
    used: plus(host.used),
    usedProtected: haProtected ? plus(host.usedProtected) : host.usedProtected,
    usedInstances: host.usedInstances + sign,
  };
}

export type BatchDecision =
  /** hostsConsidered and filters: the first VM's decision, what the pool looks like to the request */
  | {
      ok: true;
      placements: { hostId: string; candidates: string[] }[];
      hostsConsidered: number;
      filters: FilterCount[];
    }
  | { ok: false; index: number; hostsConsidered: number; filters: FilterCount[] };

/**
 * Places several VMs (a `count` create) against one snapshot, each as if the ones before it
 * had landed: a batch spreads (or packs) as a whole, and members of one server group in the
 * batch see each other. All or none: the first VM that fits nowhere fails the batch.
 * `view` holds every host (not a sample): the pool figures are kept over it as VMs land.
 */
export function decideBatch(
  requests: readonly PlacementRequest[],
  view: PlacementView,
  o: DecideOptions = {},
): BatchDecision {
  const hosts = new Map<string, PlacementHost>();
  // the pool figures follow the batch's own placements (figures passed in would not)
  const figures = new PoolStatsIndex();
  figures.setPools(view.pools);
  for (const h of view.hosts) {
    hosts.set(h.id, h);
    figures.setHost(h);
  }
  const working: PlacementView = { hosts: hostsOf(hosts), pools: view.pools };
  const placed: { hostId: string; candidates: string[] }[] = [];
  let first: { hostsConsidered: number; filters: FilterCount[] } | undefined;
  const groupHosts = new Map<object, string[]>();
  for (const [index, request] of requests.entries()) {
    const group = request.serverGroup;
    const earlier = group ? (groupHosts.get(group) ?? []) : [];
    const r: PlacementRequest = group
      ? { ...request, serverGroup: { ...group, memberHostIds: [...group.memberHostIds, ...earlier] } }
      : request;
    const decision = decide(r, working, { ...o, stats: figures.stats() });
    if (!decision.ok) return { ok: false, index, hostsConsidered: decision.hostsConsidered, filters: decision.filters };
    first ??= { hostsConsidered: decision.hostsConsidered, filters: decision.filters };
    const hostId = decision.candidates[0]!;
    const landed = withPlacement(hosts.get(hostId)!, request.resources, request.haProtected);
    hosts.set(hostId, landed);
    figures.setHost(landed);
    if (group) groupHosts.set(group, [...earlier, hostId]);
    placed.push({ hostId, candidates: decision.candidates });
  }
  return { ok: true, placements: placed, hostsConsidered: first?.hostsConsidered ?? 0, filters: first?.filters ?? [] };
}
