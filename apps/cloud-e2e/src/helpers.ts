import { type Cloud, waitFor } from '@xenplane/testing';

/** Sum of what running VMs hold, per host, from the API's own answers. */
export async function usageByHost(
  cloud: Cloud,
): Promise<Map<string, { vcpus: number; memoryMb: number; diskGb: number; instances: number }>> {
  const hosts = (await cloud.api.get('/v1/hosts')).body as any[];
  return new Map(hosts.map((h) => [h.id, h.usage]));
}

/** Every VM of the caller, following nextCursor through all pages. */
export async function allVms(cloud: Cloud, query = ''): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | undefined;
  do {
    const res = await cloud.api.get(`/v1/vms?limit=500${query}${cursor ? `&cursor=${cursor}` : ''}`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

export async function waitForOperations(cloud: Cloud, ids: string[], timeoutMs = 120_000): Promise<any[]> {
  return Promise.all(ids.map((id) => cloud.waitForOperation(id, timeoutMs)));
}

/** Rows the database holds, to prove a refused request wrote nothing. */
export async function rowCounts(cloud: Cloud) {
  const [vms, operations, allocations, idempotency] = await Promise.all([
    cloud.db.vm.count(),
    cloud.db.operation.count(),
    cloud.db.allocation.count(),
    cloud.db.idempotencyRecord.count(),
  ]);
  return { vms, operations, allocations, idempotency };
}

/**
 * Until each host has answered a heartbeat that named its witnesses (docs/HA.md): a host that
 * dies before its witnesses are known cannot be declared dead by them, only by an operator.
 */
export async function witnessesKnown(cloud: Cloud, hostIds: string[], count: number): Promise<void> {
  await waitFor(`${hostIds.length} hosts with ${count} witnesses known`, async () => {
    const rows = await cloud.db.host.findMany({ where: { id: { in: hostIds } } });
    return rows.length === hostIds.length && rows.every((r) => r.witnessIds.length === count) ? true : undefined;
  });
}
