import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createRedis, QUEUE_NAMES, QueueName } from '@xenplane/queue';
import {
  Cloud,
  deployExpressions,
  exportedSeriesNames,
  promqlMetricNames,
  repoRoot,
  sampleSum,
  TEST_REDIS_URL,
} from '@xenplane/testing';
import { globalToken, tenant } from './console/console-helpers';
import { failedJob } from './helpers';

// series Prometheus makes itself for every target: no process exports them
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/**
 * Metrics and the operators' queue view, against a whole cloud: each process serves its own
 * metrics on its own port (never on the API's), every metric deploy/ (alerts, dashboard) names is
 * exported by some process, and the figures move with the work done. The queue view is for
 * global admins only, and sends a failed job back to its queue, audited.
 */
describe('metrics and the queue view', () => {
  let cloud: Cloud;
  let vmId: string;

  beforeAll(async () => {
    // no webhooks role: the webhooks queue's jobs stay where the test puts them
    cloud = await Cloud.start({ hosts: 2, schedulerEnv: { SCHEDULER_ROLES: 'operations,monitor' } });
    const created = await cloud.api.post('/v1/vms', { name: 'measured', flavor: 'xp.micro', image: 'tiny-pv' });
    expect(created.status).toBe(202);
    vmId = created.body.vms[0].id;
    expect((await cloud.waitForOperation(created.body.operations[0].id)).status).toBe('succeeded');
    const stop = await cloud.api.post(`/v1/vms/${vmId}/actions`, { action: 'stop' });
    expect((await cloud.waitForOperation(stop.body.id)).status).toBe('succeeded');
  });
  afterAll(() => cloud?.stop());

  const scrapeAll = async () => ({
    api: await cloud.metrics('api'),
    scheduler: await cloud.metrics('scheduler-1'),
    agents: await cloud.metrics('agents'),
  });

  it('serves each process its own metrics port, and the public API port no /metrics', async () => {
    expect(new Set(cloud.metricsPorts.values()).size).toBe(3);
    const res = await cloud.api.withToken(undefined).get('/metrics');
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('xenplane_');
    // the metrics server answers its path only
    const port = cloud.metricsPorts.get('api');
    expect((await fetch(`http://127.0.0.1:${port}/v1/vms`)).status).toBe(404);
    const m = await scrapeAll();
    expect(m.api).toContain('xenplane_api_process_cpu_seconds_total');
    expect(m.scheduler).toContain('xenplane_scheduler_process_cpu_seconds_total');
    expect(m.agents).toContain('xenplane_agent_process_cpu_seconds_total');
  });

  it('exports every metric the alert rules and the dashboard name', async () => {
    const m = await scrapeAll();
    const exported = new Set([m.api, m.scheduler, m.agents].flatMap((t) => [...exportedSeriesNames(t)]));
    const expressions = deployExpressions(repoRoot());
    expect(expressions.length).toBeGreaterThan(30);
    const missing = expressions.flatMap(({ source, expr }) =>
      promqlMetricNames(expr)
        .filter((name) => !SYNTHETIC.has(name) && !exported.has(name))
        .map((name) => `${source}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('counts the work done: operations, steps, placements, agent calls, hosts and queues', async () => {
    const { scheduler, agents, api } = await scrapeAll();
    expect(sampleSum(scheduler, 'xenplane_operations_total', { kind: 'create', outcome: 'succeeded' })).toBe(1);
    expect(sampleSum(scheduler, 'xenplane_operations_total', { kind: 'stop', outcome: 'succeeded' })).toBe(1);
    expect(sampleSum(scheduler, 'xenplane_operations_total', { outcome: 'failed' })).toBe(0);
    expect(sampleSum(scheduler, 'xenplane_operation_duration_seconds_count', { kind: 'create' })).toBe(1);
    // the create's steps, each timed once it ended
    for (const step of ['placing', 'building'])
      expect({
        step,
        n: sampleSum(scheduler, 'xenplane_operation_step_seconds_count', { kind: 'create', step }),
      }).toEqual({ step, n: 1 });
    expect(sampleSum(scheduler, 'xenplane_placement_decision_seconds_count', { placement: 'build' })).toBe(1);
    expect(sampleSum(scheduler, 'xenplane_agent_client_rpc_seconds_count', { method: 'createDomain' })).toBe(1);
    expect(sampleSum(scheduler, 'xenplane_heartbeat_seconds_count')).toBeGreaterThan(0);
    expect(sampleSum(scheduler, 'xenplane_hosts', { pool: 'default', state: 'up' })).toBe(2);
    expect(sampleSum(scheduler, 'xenplane_scheduler_role', { role: 'monitor' })).toBe(1);
    for (const queue of QUEUE_NAMES)
      expect(scheduler).toMatch(
        new RegExp(`^xenplane_queue_oldest_waiting_age_seconds\\{queue="${queue}"\\} \\d`, 'm'),
      );
    // the agents' side: the create served, and the VM's host holds one domain (stopped: none)
    const vm = (await cloud.api.get(`/v1/vms/${vmId}`)).body;
    const host = (await cloud.api.get(`/v1/hosts/${vm.hostId}`)).body.name as string;
    expect(sampleSum(agents, 'xenplane_agent_rpc_seconds_count', { method: 'CreateDomain' })).toBe(1);
    expect(sampleSum(agents, 'xenplane_agent_rpc_seconds_count', { method: 'Heartbeat' })).toBeGreaterThan(0);
    expect(sampleSum(agents, 'xenplane_agent_domains', { host })).toBe(0);
    expect(agents).toMatch(new RegExp(`^xenplane_agent_domains\\{host="${host}"\\} 0$`, 'm'));
    expect(sampleSum(api, 'xenplane_api_http_request_seconds_count', { route: '/v1/vms', method: 'POST' })).toBe(1);

    const start = await cloud.api.post(`/v1/vms/${vmId}/actions`, { action: 'start' });
    expect((await cloud.waitForOperation(start.body.id)).status).toBe('succeeded');
    const after = await cloud.metrics('agents');
    expect(sampleSum(after, 'xenplane_agent_domains', { host })).toBe(1);
    expect(sampleSum(after, 'xenplane_agent_domains')).toBe(1);
    expect(sampleSum(await cloud.metrics('scheduler-1'), 'xenplane_operations_total', { kind: 'start' })).toBe(1);
  });

  describe('the queue view', () => {
    let queue: Queue;
    let redis: Redis;
    let jobId: string;

    beforeAll(async () => {
      jobId = await failedJob(cloud, QueueName.Webhooks, 'receiver answered 500');
      redis = createRedis({ REDIS_URL: TEST_REDIS_URL }, 'worker');
      queue = new Queue(QueueName.Webhooks, { connection: redis, prefix: cloud.queuePrefix });
    });
    afterAll(async () => {
      await queue?.close();
      redis?.disconnect();
    });

    it('is for global admins only: project tokens and operators get 403', async () => {
      const team = await tenant(cloud, 'queue-team', undefined, 'admin');
      const operator = await globalToken(cloud, 'operator');
      for (const token of [team.token, operator]) {
        const api = cloud.api.withToken(token);
        expect((await api.get('/v1/queues')).status).toBe(403);
        expect((await api.get(`/v1/queues/webhooks/jobs?state=failed`)).status).toBe(403);
        expect((await api.post(`/v1/queues/webhooks/jobs/${jobId}/retry`, {})).status).toBe(403);
      }
      expect((await cloud.api.withToken(undefined).get('/v1/queues')).status).toBe(401);
      expect(await (await queue.getJob(jobId))!.getState()).toBe('failed');
      const res = await cloud.api.get('/v1/queues');
      expect(res.status).toBe(200);
      expect(res.body.items.map((q: { name: string }) => q.name)).toEqual([...QUEUE_NAMES]);
      const webhooks = res.body.items.find((q: { name: string }) => q.name === 'webhooks');
      expect(webhooks.counts).toMatchObject({ failed: 1, waiting: 0 });
      expect(webhooks.oldestWaitingAgeSeconds).toBeNull();
    });

    it('lists failed jobs with their reason, retries one (audited), and refuses what it cannot', async () => {
      const failed = await cloud.api.get('/v1/queues/webhooks/jobs?state=failed');
      expect(failed.status).toBe(200);
      expect(failed.body.items).toEqual([
        expect.objectContaining({
          id: jobId,
          name: 'deliver',
          state: 'failed',
          attemptsMade: 1,
          failedReason: 'receiver answered 500',
          data: { deliveryId: jobId },
        }),
      ]);
      const retried = await cloud.api.post(`/v1/queues/webhooks/jobs/${jobId}/retry`, {});
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ id: jobId, state: 'waiting' });
      expect(await (await queue.getJob(jobId))!.getState()).toBe('waiting');
      expect((await cloud.api.get('/v1/queues/webhooks/jobs?state=failed')).body.items).toEqual([]);
      expect((await cloud.api.get('/v1/queues/webhooks/jobs?state=waiting')).body.items).toEqual([
        expect.objectContaining({ id: jobId, state: 'waiting' }),
      ]);
      // the refusals of the test above are recorded too (403)
      const audit = await cloud.api.get('/v1/audit?action=queue_job.retry');
      expect(audit.body.items.filter((e: { status: number }) => e.status === 200)).toEqual([
        expect.objectContaining({
          route: '/v1/queues/:name/jobs/:job/retry',
          status: 200,
          resourceIds: [jobId],
          summary: { name: 'webhooks', job: jobId },
        }),
      ]);
      // nothing works the webhooks queue here: the job waits, and the view and the gauge say so
      const webhooks = (await cloud.api.get('/v1/queues')).body.items.find(
        (q: { name: string }) => q.name === 'webhooks',
      );
      expect(webhooks.counts).toMatchObject({ failed: 0, waiting: 1 });
      expect(webhooks.oldestWaitingAgeSeconds).toEqual(expect.any(Number));
      const scraped = await cloud.metrics('scheduler-1');
      expect(sampleSum(scraped, 'xenplane_queue_jobs', { queue: 'webhooks', state: 'waiting' })).toBe(1);

      // a job not failed, a job or queue that is not there
      const again = await cloud.api.post(`/v1/queues/webhooks/jobs/${jobId}/retry`, {});
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'conflict', state: 'waiting' });
      expect((await cloud.api.post(`/v1/queues/webhooks/jobs/${randomUUID()}/retry`, {})).status).toBe(404);
      expect((await cloud.api.post(`/v1/queues/nope/jobs/${jobId}/retry`, {})).status).toBe(404);
      expect((await cloud.api.get('/v1/queues/nope/jobs')).status).toBe(404);
      expect((await cloud.api.get('/v1/queues/webhooks/jobs?state=paused')).status).toBe(400);
      expect(await (await queue.getJob(jobId))!.getState()).toBe('waiting');
      const statuses = (await cloud.api.get('/v1/audit?action=queue_job.retry')).body.items.map(
        (e: { status: number }) => e.status,
      );
      expect(statuses.sort()).toEqual([200, 403, 403, 404, 404, 409]);
    });
  });
});
