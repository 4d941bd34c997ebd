import type { Resources } from '../hosts/capacity';
import { decide, type DecideOptions } from './engine';
import { type FilterCount, hostsOf, type PlacementHost, type PlacementRequest, type PlacementView } from './types';

/** A host as it would be once a VM of these resources lands on it. */
export function withPlacement(host: PlacementHost, r: Resources, haProtected: boolean): PlacementHost {
  return {
    ...host,
    used: { vcpus: host.used.vcpus + r.vcpus, memoryMb: host.used.memoryMb + r.memoryMb, diskGb: host.used.diskGb + r.diskGb },
    usedProtected: haProtected
      ? { vcpus: host.usedProtected.vcpus + r.vcpus, memoryMb: host.usedProtected.memoryMb + r.memoryMb, diskGb: host.usedProtected.diskGb + r.diskGb }
      : host.usedProtected,
    usedInstances: host.usedInstances + 1,
  };
}

export type BatchDecision =
  /** hostsConsidered and filters: the first VM's decision, what the pool looks like to the request */
  | { ok: true; placements: { hostId: string; candidates: string[] }[]; hostsConsidered: number; filters: FilterCount[] }
  | { ok: false; index: number; hostsConsidered: number; filters: FilterCount[] };

/**
 * Places several VMs (a `count` create) against one snapshot, each as if the ones before it
 * had landed: a batch spreads (or packs) as a whole, and members of one server group in the
 * batch see each other. All or none: the first VM that fits nowhere fails the batch.
 */
export function decideBatch(requests: readonly PlacementRequest[], view: PlacementView, o: DecideOptions = {}): BatchDecision {
  const hosts = new Map<string, PlacementHost>();
  for (const h of view.hosts) hosts.set(h.id, h);
  const working: PlacementView = { hosts: hostsOf(hosts), pools: view.pools };
  const placed: { hostId: string; candidates: string[] }[] = [];
  let first: { hostsConsidered: number; filters: FilterCount[] } | undefined;
  const groupHosts = new Map<object, string[]>();
  for (const [index, request] of requests.entries()) {
    const group = request.serverGroup;
    const earlier = group ? (groupHosts.get(group) ?? []) : [];
    const r: PlacementRequest = group ? { ...request, serverGroup: { ...group, memberHostIds: [...group.memberHostIds, ...earlier] } } : request;
    const decision = decide(r, working, o);
    if (!decision.ok) return { ok: false, index, hostsConsidered: decision.hostsConsidered, filters: decision.filters };
    first ??= { hostsConsidered: decision.hostsConsidered, filters: decision.filters };
    const hostId = decision.candidates[0]!;
    hosts.set(hostId, withPlacement(hosts.get(hostId)!, request.resources, request.haProtected));
    if (group) groupHosts.set(group, [...earlier, hostId]);
    placed.push({ hostId, candidates: decision.candidates });
  }
  return { ok: true, placements: placed, hostsConsidered: first?.hostsConsidered ?? 0, filters: first?.filters ?? [] };
}
