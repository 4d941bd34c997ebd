import type { HostFilter, HostRepository, HostRow, PoolRepository } from '@xenplane/db';
import { type HostView, presentHost } from './host.dto';

type Repos = { hosts: HostRepository; pools: PoolRepository };

/** Hosts as the API shows them, with their liveness as the database clock judges it, by name. */
export async function hostViews(repos: Repos, filter: HostFilter): Promise<HostView[]> {
  const rows = await repos.hosts.read(filter);
  return presentHosts(
    repos,
    rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  );
}

/** Host rows as the API shows them, in their order, with their pools read in one query. */
export async function presentHosts(repos: Repos, rows: HostRow[]): Promise<HostView[]> {
  const pools = new Map((await repos.pools.withIds([...new Set(rows.map((h) => h.poolId))])).map((p) => [p.id, p]));
  return rows.map((h) => presentHost(h, pools.get(h.poolId)!));
}
