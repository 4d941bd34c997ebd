import { controlPlaneEnv, intVar, loadConfig } from '@xenplane/config';
import { DEFAULT_CERT_RENEW_BEFORE_DAYS } from '@xenplane/domain';
import { z } from 'zod';

export const SCHEDULER_ROLES = ['operations', 'monitor', 'webhooks'] as const;
export type SchedulerRole = (typeof SCHEDULER_ROLES)[number];

export const schedulerEnv = controlPlaneEnv.extend({
  // what this process does: `operations` (placement and every operation, TTL, outbox, GC),
  // `monitor` (heartbeats and reconciliation, each monitor replica with its share of the hosts)
  // and `webhooks` (projects' webhook deliveries). At scale they run apart: a monitor holds a TLS
  // connection to each host of its share, a webhook sender waits on tenants' receivers.
  SCHEDULER_ROLES: z
    .string()
    .default(SCHEDULER_ROLES.join(','))
    .transform((v) => [
      ...new Set(
        v
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(z.enum(SCHEDULER_ROLES)).min(1)),
  // operations worked on at once by this process. Most of an operation's time is waiting (for an
  // agent, a boot, a claim's batch), so this is high: lower, a process sits idle between claim
  // batches (BENCHMARKS.md, placement). The hosts are protected by HOST_OPERATION_CONCURRENCY,
  // not by this.
  SCHEDULER_CONCURRENCY: intVar(128, 1, 1000),
  // at most this many operations at once per host, across all scheduler processes
  HOST_OPERATION_CONCURRENCY: intVar(4, 1, 64),
  // a killed worker's job goes back to the queue after its lock expires
  JOB_LOCK_MS: intVar(15_000, 1_000, 600_000),
  STALLED_CHECK_MS: intVar(5_000, 500, 600_000),
  AGENT_CALL_TIMEOUT_MS: intVar(10_000, 100, 600_000),
  // hosts a build may be placed on before it fails: a host that refuses it, cannot be reached or
  // dies under it loses the VM to the next (each host once, as Nova's alternates)
  BUILD_HOSTS: intVar(3, 1, 20),
  // a placement with no room waits this long after its operation began for hosts up but not heard
  // from lately (a control plane just back from an outage finds every heartbeat old) before failing
  PLACEMENT_DOUBT_WAIT_MS: intVar(15_000, 0, 600_000),
  // HA restarts worked on at once by this process (their own queue, by priority)
  HA_RESTART_CONCURRENCY: intVar(64, 1, 1000),
  // a restart with no room for its VM tries again this often (waiting_for_capacity)
  HA_CAPACITY_RETRY_MS: intVar(2_000, 100, 600_000),
  // a channel to an agent with no call for this long is closed (its TLS connection costs ~110 KB)
  AGENT_CHANNEL_IDLE_MS: intVar(60_000, 1_000, 3_600_000),
  // a VM's clean shutdown before it is destroyed
  SHUTDOWN_TIMEOUT_S: intVar(30, 1, 3600),
  // a heartbeat call's deadline (how often hosts are asked, and when silence counts, are each
  // pool's liveness settings: PATCH /v1/pools/:id)
  HEARTBEAT_TIMEOUT_MS: intVar(1_500, 100, 60_000),
  OUTBOX_SWEEP_INTERVAL_MS: intVar(2_000, 100, 600_000),
  // operations younger than this are left to their producer's own enqueue
  OUTBOX_GRACE_MS: intVar(1_000, 0, 600_000),
  // reconciliation leaves alone what changed this recently (it may not be in the report yet)
  RECONCILE_SETTLE_MS: intVar(10_000, 0, 3_600_000),
  // a VM in a transitional state with no operation behind it this long is marked error
  STUCK_AFTER_MS: intVar(600_000, 1_000, 86_400_000),
  EVENT_RETENTION_DAYS: intVar(7, 1, 365),
  // pools' usage history (GET /v1/pools/:id/usage-history): every pool's capacity and usage is
  // sampled this often (one row per pool per interval) and kept this long, the oldest deleted at
  // each sampling: a minute over 7 days is 10,080 rows per pool at most
  POOL_USAGE_SAMPLE_INTERVAL_MS: intVar(60_000, 1_000, 3_600_000),
  POOL_USAGE_RETENTION_DAYS: intVar(7, 1, 365),
  GC_INTERVAL_MS: intVar(60_000, 1_000, 86_400_000),
  // hosts' certificates (docs/OPERATIONS.md, "Certificate rotation"): renewed over their current
  // mutual-TLS channel when less than this many days are left (of the 365 they are issued for),
  // looked for this often (also how soon an operator's POST /v1/hosts/:id/certificate/renew is done)
  CERT_RENEW_BEFORE_DAYS: intVar(DEFAULT_CERT_RENEW_BEFORE_DAYS, 1, 300),
  CERT_RENEW_CHECK_INTERVAL_MS: intVar(60_000, 1_000, 86_400_000),
  // answered Idempotency-Keys kept per token (the newest), trimmed at each GC round
  IDEMPOTENCY_KEYS_PER_TOKEN: intVar(10_000, 100, 10_000_000),
  TTL_REAP_INTERVAL_MS: intVar(1_000, 100, 600_000),
  CAPACITY_REFRESH_MS: intVar(250, 10, 60_000),
  CAPACITY_FULL_RELOAD_MS: intVar(30_000, 1_000, 3_600_000),
  // webhooks (docs/WEBHOOKS.md): new events are turned into deliveries this often
  WEBHOOK_POLL_INTERVAL_MS: intVar(500, 10, 60_000),
  // a receiver that has not answered (status and headers) within this is an attempt failed
  WEBHOOK_TIMEOUT_MS: intVar(10_000, 100, 120_000),
  // attempts of a delivery in all, the first included, before it is failed; waits between them
  // double from WEBHOOK_BACKOFF_MS up to WEBHOOK_BACKOFF_MAX_MS (defaults: ~21 minutes in all)
  WEBHOOK_ATTEMPTS: intVar(8, 1, 50),
  WEBHOOK_BACKOFF_MS: intVar(10_000, 10, 3_600_000),
  WEBHOOK_BACKOFF_MAX_MS: intVar(3_600_000, 10, 86_400_000),
  // deliveries sent at once by this process (most of an attempt is waiting on a receiver)
  WEBHOOK_CONCURRENCY: intVar(32, 1, 1000),
  // a file rewritten every 5 s while the process runs: its health for a container engine, which
  // has no port to ask (scripts/healthcheck.mjs; the Dockerfile sets it). Unset: none written
  LIVENESS_FILE: z.string().min(1).optional(),
});

export type SchedulerConfig = z.infer<typeof schedulerEnv>;
export const SCHEDULER_CONFIG = Symbol('SCHEDULER_CONFIG');

export function loadSchedulerConfig(env?: Record<string, string | undefined>): SchedulerConfig {
  return loadConfig(schedulerEnv, env);
}
