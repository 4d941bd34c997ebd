import type { Resources } from '../hosts/capacity';
import type { PoolStats } from './pool-stats';
import type { PlacementHost, PlacementPool, PlacementRequest } from './types';

/** What a filter may look at about one host, computed once per host per decision. */
export interface FilterContext {
  request: PlacementRequest;
  pool: PlacementPool;
  offered: Resources;
  /** offered - used */
  free: Resources;
  stats: PoolStats;
  /** server-group members per host */
  members: ReadonlyMap<string, number>;
  excluded: ReadonlySet<string>;
}

/** One reason a host cannot take a VM; its name and reason appear in no_valid_host details. */
export interface PlacementFilter {
  name: string;
  reason: string;
  passes(host: PlacementHost, ctx: FilterContext): boolean;
  /**
   * False when this request gives the filter nothing to check (no server group for a group
   * filter): it would pass every host, and a decision does not ask it host by host.
   */
  appliesTo?(request: PlacementRequest): boolean;
}

/** One preference among hosts that can; higher scores win. */
export interface PlacementWeigher {
  name: string;
  score(host: PlacementHost, ctx: FilterContext): number;
  /** False when it would score every host 0 for this request. */
  appliesTo?(request: PlacementRequest): boolean;
}
