import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Db } from '@xenplane/db';
import { createRedis } from '@xenplane/queue';
import { type Cloud, TEST_REDIS_URL, waitFor } from '@xenplane/testing';

/** Sum of what running VMs hold, per host, from the API's own answers. */
export async function usageByHost(
  cloud: Cloud,
): Promise<Map<string, { vcpus: number; memoryMb: number; diskGb: number; instances: number }>> {
  const hosts = (await cloud.api.get('/v1/hosts')).body.items as any[];
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
export async function rowCounts(cloud: { db: Db }) {
  const db = cloud.db;
  const [vms, operations, allocations, idempotency, tokens, projects, pools, flavors, images, hosts] =
    await Promise.all([
      db.vm.count(),
      db.operation.count(),
      db.allocation.count(),
      db.idempotencyRecord.count(),
      db.token.count(),
      db.project.count(),
      db.pool.count(),
      db.flavor.count(),
      db.image.count(),
      db.host.count(),
    ]);
  const [serverGroups, events, enrollmentTokens, keypairs, networks, addresses, disks, webhooks] = await Promise.all([
    db.serverGroup.count(),
    db.event.count(),
    db.enrollmentToken.count(),
    db.keypair.count(),
    db.network.count(),
    db.vmAddress.count(),
    db.disk.count(),
    db.webhook.count(),
  ]);
  return {
    vms,
    operations,
    allocations,
    idempotency,
    tokens,
    projects,
    pools,
    flavors,
    images,
    hosts,
    serverGroups,
    events,
    enrollmentTokens,
    keypairs,
    networks,
    addresses,
    disks,
    webhooks,
  };
}

export type RowCounts = Awaited<ReturnType<typeof rowCounts>>;

/**
 * Sends a request that must be refused: the status and code asked for, a whole problem+json
 * without a stack trace, and not one row written. Returns the problem.
 */
export async function expectRefused(
  cloud: { db: Db },
  send: () => Promise<{ status: number; body: any; headers: Headers }>,
  status: number,
  code: string,
): Promise<any> {
  const before = await rowCounts(cloud);
  const res = await send();
  expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { code } });
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body).toMatchObject({
    status,
    code,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+/); // no stack trace
  expect(await rowCounts(cloud)).toEqual(before);
  return res.body;
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

/**
 * A failed job in one of the cloud's queues, as a worker whose attempt threw `reason` leaves
 * one: added, failed by a worker of this test's (attempts: 1), that worker closed. The queue must
 * be one no scheduler of the cloud works (say, webhooks without the webhooks role), else a
 * scheduler could take the job first. Returns the job's id.
 */
export async function failedJob(cloud: Cloud, queueName: string, reason: string): Promise<string> {
  const id = randomUUID();
  const redis = createRedis({ REDIS_URL: TEST_REDIS_URL }, 'worker');
  const workerRedis = createRedis({ REDIS_URL: TEST_REDIS_URL }, 'worker');
  const queue = new Queue(queueName, { connection: redis, prefix: cloud.queuePrefix });
  const worker = new Worker(
    queueName,
    async () => {
      throw new Error(reason);
    },
    { connection: workerRedis, prefix: cloud.queuePrefix },
  );
  try {
    await queue.add('deliver', { deliveryId: id }, { jobId: id, attempts: 1 });
    await waitFor(`job ${id} failed`, async () => ((await queue.getJob(id))?.failedReason ? true : undefined));
  } finally {
    await worker.close();
    await queue.close();
    workerRedis.disconnect();
    redis.disconnect();
  }
  return id;
}
