import type { HostFilter, HostRepository, PoolRepository } from '@xenplane/db';
import { type HostView, presentHost } from './host.dto';

/** Hosts as the API shows them, with their liveness as the database clock judges it, by name. */
export async function hostViews(
  repos: { hosts: HostRepository; pools: PoolRepository },
  filter: HostFilter,
): Promise<HostView[]> {
  const rows = await repos.hosts.read(filter);
  const pools = new Map((await repos.pools.withIds([...new Set(rows.map((h) => h.poolId))])).map((p) => [p.id, p]));
  return rows
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((h) => presentHost(h, pools.get(h.poolId)!));
}
