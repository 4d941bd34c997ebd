import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  type AgentClient,
  createAgentClient,
  type SimControl,
  simControl,
  type TlsIdentity,
} from '@xenplane/agent-client';
import { createDb, type Db, dropDatabase, ensureDatabase, migrateDatabase } from '@xenplane/db';
import type { LivenessSettings } from '@xenplane/domain';
import { loadOrCreateCa, type MigrationClaims, signMigrationTicket } from '@xenplane/pki';
import { createTestDatabase, TEST_REDIS_URL } from '../database';
import { ApiClient } from './api-client';
import { entryPoint, repoRoot } from './dist';
import { type AddHostOptions, HostProcess } from './host-process';
import { ManagedProcess } from './managed-process';
import { freePort } from './ports';
import { StopWaiting, waitFor } from './wait';

export interface CloudOptions {
  /** simulated hosts, served by one agent process in fleet mode (0: none; addHost starts hosts in processes of their own) */
  hosts?: number;
  schedulers?: number;
  apiPort?: number;
  /** a database to use as it is (npm start); default: a fresh one, dropped at stop() */
  databaseUrl?: string;
  redisUrl?: string;
  queuePrefix?: string;
  /** where logs, the CA and the agents' state live; default: a fresh temp dir, removed at stop() */
  stateDir?: string;
  adminToken?: string;
  /** for every process */
  env?: Record<string, string>;
  schedulerEnv?: Record<string, string>;
  agentEnv?: Record<string, string>;
  /** copy every process's output here */
  echo?: NodeJS.WritableStream;
  logLevel?: string;
  /** fast: a test cloud notices failures in seconds (default); production: the defaults */
  timings?: 'fast' | 'production';
  /** the default pool's liveness settings, over FAST_LIVENESS (fast timings) or the pool's defaults */
  liveness?: Partial<LivenessSettings>;
  /** extra node flags per app (profiling: ['--cpu-prof', '--cpu-prof-dir=...']) */
  nodeArgs?: Partial<Record<'api' | 'scheduler' | 'host-agent', string[]>>;
  /** the agents' state dir already holds their certificates: start them without new tokens */
  reuseEnrollment?: boolean;
  /** the simulated hosts are named <fleetName>-1, -2, ... (default: sim) */
  fleetName?: string;
  /**
   * agent processes the `hosts` are split over, enrolling side by side (default 1; one serves at
   * most 5,000). With more than one, fleet k's hosts are named <fleetName>k-1, -2, ...
   */
  fleets?: number;
  /** how long the fleet may take to come up (default: 250 ms a host, at least a minute) */
  fleetTimeoutMs?: number;
  /**
   * generous (default): the API's rate limits are GENEROUS_RATE_LIMITS, which no test reaches
   * (env may set others); configured: the API's own defaults, or what env says (npm start)
   */
  rateLimits?: 'generous' | 'configured';
  /**
   * each process's METRICS_PORT (docs/METRICS.md): free ports (default), or consecutive ports
   * from this one (npm start: the API's, then the schedulers', then the fleets'); 0: no metrics
   */
  metricsBasePort?: number;
}

/** The default pool's liveness in a test cloud: hosts suspect after 2 s of silence, dead after 6. */
export const FAST_LIVENESS: LivenessSettings = { heartbeatIntervalMs: 500, suspectAfterMs: 2_000, deadAfterMs: 6_000 };

/** Timings that make a test cloud notice things in seconds, not minutes (with FAST_LIVENESS). */
export const FAST_TIMINGS: Record<string, string> = {
  HEARTBEAT_TIMEOUT_MS: '1000',
  OUTBOX_SWEEP_INTERVAL_MS: '500',
  OUTBOX_GRACE_MS: '500',
  JOB_LOCK_MS: '3000',
  STALLED_CHECK_MS: '1000',
  OPERATION_BACKOFF_MS: '100',
  CAPACITY_REFRESH_MS: '50',
  AGENT_CALL_TIMEOUT_MS: '5000',
  RECONCILE_SETTLE_MS: '2000',
  TTL_REAP_INTERVAL_MS: '250',
};

/**
 * Rate limits a test cloud never reaches: e2e tests and benches make thousands of requests a
 * second with one token, and enroll thousands of hosts from one address. Still counted in
 * Redis, as in production; a test of the limits sets its own in env.
 */
export const GENEROUS_RATE_LIMITS: Record<string, string> = {
  RATE_LIMIT_PER_TOKEN: '1000000000',
  RATE_LIMIT_PER_ADDRESS_UNAUTHENTICATED: '1000000000',
};

/** An API process of the cloud and a client of it (the admin's token). */
export interface ApiProcess {
  process: ManagedProcess;
  api: ApiClient;
}

/** A domain life a simulated host remembers (SimControl's history), with the host's name. */
export interface DomainLife {
  host: string;
  vmId: string;
  domId: number;
  epoch: number;
  createdAt?: Date;
  endedAt?: Date;
  endReason: string;
}

/**
 * A whole Xenplane on this machine: the API, scheduler(s) and simulated Xen hosts as separate
 * processes, talking real HTTP and gRPC (mutual TLS) over a real Postgres and Redis. Used by
 * the e2e tests and by `npm start`.
 */
export class Cloud {
  readonly schedulers: ManagedProcess[] = [];
  /** the fleet: one process serving opts.hosts simulated hosts (the first of `fleets`) */
  agents?: ManagedProcess;
  /** every fleet agent process (opts.fleets of them) */
  readonly fleets: ManagedProcess[] = [];
  /** hosts in processes of their own (addHost), by name */
  readonly hostProcesses = new Map<string, HostProcess>();
  apiProcess?: ManagedProcess;
  api!: ApiClient;
  /** API processes beyond the first (addApi), on the same database and Redis prefix */
  readonly extraApis: ApiProcess[] = [];
  db!: Db;
  private ownedDatabase = false;
  private ownedStateDir = false;
  private redis?: Redis;
  private testIdentity?: Promise<TlsIdentity>;
  private readonly controls: { close(): void }[] = [];
  /** each process's metrics port, by process name (api, scheduler-1, agents, ...) */
  readonly metricsPorts = new Map<string, number>();

  private constructor(
    readonly opts: CloudOptions,
    readonly stateDir: string,
    readonly queuePrefix: string,
    readonly adminToken: string,
  ) {}

  static async start(opts: CloudOptions = {}): Promise<Cloud> {
    const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'xenplane-cloud-'));
    const cloud = new Cloud(
      opts,
      stateDir,
      opts.queuePrefix ?? `xptest-${randomBytes(4).toString('hex')}`,
      opts.adminToken ?? `xp_${randomBytes(24).toString('base64url')}`,
    );
    cloud.ownedStateDir = !opts.stateDir;
    try {
      await cloud.boot();
      return cloud;
    } catch (err) {
      await cloud.stop();
      throw err;
    }
  }

  get databaseUrl(): string {
    return this.env['DATABASE_URL']!;
  }

  get apiUrl(): string {
    return this.api.baseUrl;
  }

  private env: Record<string, string> = {};

  private async boot(): Promise<void> {
    mkdirSync(join(this.stateDir, 'logs'), { recursive: true });
    let databaseUrl = this.opts.databaseUrl;
    if (databaseUrl) {
      await ensureDatabase(databaseUrl);
      await migrateDatabase(databaseUrl);
      this.db = createDb({ url: databaseUrl, poolSize: 5 });
    } else {
      const t = await createTestDatabase('cloud');
      databaseUrl = t.url;
      this.db = t.db;
      this.ownedDatabase = true;
    }
    const apiPort = this.opts.apiPort ?? (await freePort());
    this.env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      REDIS_URL: this.opts.redisUrl ?? TEST_REDIS_URL,
      XENPLANE_QUEUE_PREFIX: this.queuePrefix,
      XENPLANE_PKI_DIR: join(this.stateDir, 'pki'),
      // each cloud its own image store, shared by its API and schedulers (npm start: .xenplane/images)
      IMAGE_STORE_DIR: join(this.stateDir, 'images'),
      LOG_LEVEL: this.opts.logLevel ?? 'info',
      ...(this.opts.timings === 'production' ? {} : FAST_TIMINGS),
      ...(this.opts.rateLimits === 'configured' ? {} : GENEROUS_RATE_LIMITS),
      ...this.opts.env,
    };
    this.api = new ApiClient(`http://127.0.0.1:${apiPort}`, this.adminToken);
    this.apiProcess = this.process('api', 'api', {
      API_PORT: String(apiPort),
      XENPLANE_ADMIN_TOKEN: this.adminToken,
      ...this.metricsEnv('api', await this.nextMetricsPort()),
    }).start();
    const api = this.apiProcess;
    await waitFor(
      'the API',
      async () => {
        // an API that exited will not come up: say why now, not after the timeout
        if (!api.running) throw new StopWaiting(`the API exited: ${api.output().trim().split('\n').pop()}`);
        return (await this.api.get('/readyz')).status === 200 ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    await this.setDefaultPoolLiveness();
    await Promise.all(Array.from({ length: this.opts.schedulers ?? 1 }, () => this.addScheduler()));
    const hosts = this.opts.hosts ?? 3;
    if (hosts > 0) await this.startAgents(hosts);
  }

  /**
   * One more API process, as another replica behind a load balancer would be: the same
   * database, Redis and queue prefix, its own port; env on top of the cloud's. Resolves once it
   * answers /readyz; stop() ends it.
   */
  async addApi(env: Record<string, string> = {}): Promise<ApiProcess> {
    const port = await freePort();
    const api = new ApiClient(`http://127.0.0.1:${port}`, this.adminToken);
    const metricsPort = await this.nextMetricsPort();
    const name = `api-${this.extraApis.length + 2}`;
    const apiProcess = this.process(name, 'api', {
      API_PORT: String(port),
      XENPLANE_ADMIN_TOKEN: this.adminToken,
      ...this.metricsEnv(name, metricsPort),
      ...env,
    }).start();
    // kept before the wait, so that stop() ends it and logs() shows it whatever happens
    const added = { process: apiProcess, api };
    this.extraApis.push(added);
    await waitFor(
      `API ${api.baseUrl}`,
      async () => {
        if (!apiProcess.running)
          throw new StopWaiting(`${apiProcess.spec.name} exited: ${apiProcess.output().trim().split('\n').pop()}`);
        return (await api.get('/readyz').catch(() => undefined))?.status === 200 ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    return added;
  }

  /**
   * One more scheduler process (they race for the same queue); env on top of schedulerEnv.
   * Resolves once it is ready: it logged "scheduler started", which its main() does after every
   * worker, monitor and periodic job was set up (not merely once it was spawned).
   */
  async addScheduler(env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ManagedProcess> {
    // the readiness line is an info line: a cloud that logs less still has its schedulers say it
    const quiet = ['warn', 'error', 'fatal', 'silent'].includes(this.env['LOG_LEVEL'] ?? '');
    const port = await this.nextMetricsPort();
    // named after the wait: schedulers added at once get names of their own
    const name = `scheduler-${this.schedulers.length + 1}`;
    const p = this.process(name, 'scheduler', {
      ...(quiet ? { LOG_LEVEL: 'info' } : {}),
      ...this.metricsEnv(name, port),
      ...this.opts.schedulerEnv,
      ...env,
    }).start();
    // kept before the wait, so that stop() ends it and logs() shows it whatever happens
    this.schedulers.push(p);
    await p.waitForOutput('"msg":"scheduler started"', timeoutMs);
    return p;
  }

  /**
   * One more simulated host, in an agent process of its own behind two links a test can cut
   * (see HostProcess): enrolled into opts.poolId or the default pool; resolves once it is up.
   */
  async addHost(name: string, opts: AddHostOptions = {}): Promise<HostProcess> {
    if (this.hostProcesses.has(name)) throw new Error(`host ${name} was added already`);
    const host = await HostProcess.launch(
      {
        api: this.api,
        hostsDir: join(this.stateDir, 'hosts'),
        agentEnv: this.opts.agentEnv ?? {},
        spawn: (processName, env) => this.process(processName, 'host-agent', env),
        enrollmentToken: async (hostName, poolId) => (await this.enrollmentTokens(1, { poolId, hostName }))[0]!,
      },
      name,
      opts,
    );
    // kept before the wait, so that stop() ends it and logs() shows it whatever happens
    this.hostProcesses.set(name, host);
    await host.waitUntilUp(opts.timeoutMs);
    return host;
  }

  /** Enrolls `count` simulated hosts into the default pool and waits until they are up. */
  private async startAgents(count: number): Promise<void> {
    const sizes = this.fleetSizes(count);
    const tokens = this.opts.reuseEnrollment ? [] : await this.enrollmentTokens(count);
    let first = 0;
    for (const [k, size] of sizes.entries()) {
      const mine = tokens.slice(first, first + size);
      first += size;
      const name = k === 0 ? 'agents' : `agents-${k + 1}`;
      const p = this.process(name, 'host-agent', {
        ...this.metricsEnv(name, await this.nextMetricsPort()),
        AGENT_DRIVER: 'sim',
        AGENT_FLEET_SIZE: String(size),
        AGENT_NAME: sizes.length === 1 ? this.fleetName : `${this.fleetName}${k + 1}`,
        AGENT_ENROLLMENT_TOKENS: mine.join(','),
        AGENT_CONTROL_PLANE_URL: this.api.baseUrl,
        AGENT_STATE_DIR: join(this.stateDir, k === 0 ? 'agents' : `agents-${k + 1}`),
        AGENT_TEST_CONTROLS: '1',
        ...this.opts.agentEnv,
      }).start();
      this.fleets.push(p);
    }
    this.agents = this.fleets[0];
    await this.waitForFleet(count);
  }

  get fleetName(): string {
    return this.opts.fleetName ?? 'sim';
  }

  /** How many hosts each fleet process serves (opts.fleets of them, as even as can be). */
  private fleetSizes(count: number): number[] {
    const fleets = Math.max(1, Math.min(this.opts.fleets ?? 1, count));
    return Array.from({ length: fleets }, (_, k) => Math.floor(count / fleets) + (k < count % fleets ? 1 : 0));
  }

  /** The names of the fleet's simulated hosts (opts.hosts of them), fleet by fleet. */
  fleetHostNames(count = this.opts.hosts ?? 3): string[] {
    const sizes = this.fleetSizes(count);
    // a fleet of one is a single host: the agent names it without a number
    const prefix = (k: number) => (sizes.length === 1 ? this.fleetName : `${this.fleetName}${k + 1}`);
    return sizes.flatMap((size, k) =>
      size === 1 ? [prefix(k)] : Array.from({ length: size }, (_, i) => `${prefix(k)}-${i + 1}`),
    );
  }

  /** Our own simulated hosts up, by name: other hosts in a reused database do not count. */
  private async waitForFleet(count: number): Promise<void> {
    const names = new Set(this.fleetHostNames(count));
    await waitFor(
      count > 20 ? `${count} hosts up` : `hosts ${[...names].join(', ')} up`,
      async () => {
        const exited = this.fleets.find((p) => !p.running);
        // a fleet that died (a port taken, ...) will not come up: give up at once
        if (exited)
          throw new StopWaiting(`the agents (${exited.spec.name}) exited: ${exited.output().trim().split('\n').pop()}`);
        const hosts = (await this.api.get('/v1/hosts')).body.items as { name: string; state: string }[];
        return hosts.filter((h) => names.has(h.name) && h.state === 'up').length === count ? true : undefined;
      },
      // each host enrolls in turn (a key, a CSR, a certificate): benches start thousands; the
      // list of thousands of hosts is asked for less often, not to slow their enrollment down
      { timeoutMs: this.opts.fleetTimeoutMs ?? Math.max(60_000, count * 250), intervalMs: count > 1_000 ? 2_000 : 100 },
    );
  }

  /** Liveness is a pool's setting: the test cloud's default pool gets FAST_LIVENESS unless told otherwise. */
  private async setDefaultPoolLiveness(): Promise<void> {
    const liveness = { ...(this.opts.timings === 'production' ? {} : FAST_LIVENESS), ...this.opts.liveness };
    if (!Object.keys(liveness).length) return;
    const res = await this.api.patch(`/v1/pools/${await this.defaultPoolId()}`, liveness);
    if (res.status !== 200)
      throw new Error(`setting the default pool's liveness: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** Tokens for the default pool (or poolId), each for any host name (or hostName only). */
  private async enrollmentTokens(
    count: number,
    only: { poolId?: string | undefined; hostName?: string } = {},
  ): Promise<string[]> {
    const poolId = only.poolId ?? (await this.defaultPoolId());
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await this.api.post('/v1/hosts/enrollment-tokens', {
        poolId,
        ...(only.hostName ? { hostName: only.hostName } : {}),
      });
      if (res.status !== 201) throw new Error(`enrollment token: ${res.status} ${JSON.stringify(res.body)}`);
      tokens.push(res.body.token);
    }
    return tokens;
  }

  async defaultPoolId(): Promise<string> {
    const pools = await this.api.get('/v1/pools');
    const pool = (pools.body.items as { id: string; name: string }[]).find((p) => p.name === 'default');
    if (!pool) throw new Error(`no default pool: ${JSON.stringify(pools.body)}`);
    return pool.id;
  }

  async waitForHosts(count: number, state = 'up', timeoutMs = 60_000): Promise<any[]> {
    return waitFor(
      `${count} hosts ${state}`,
      async () => {
        const res = await this.api.get('/v1/hosts');
        const hosts = (res.body.items as { state: string }[]).filter((h) => h.state === state);
        return hosts.length >= count ? hosts : undefined;
      },
      { timeoutMs },
    );
  }

  async waitForOperation(id: string, timeoutMs = 60_000): Promise<any> {
    return waitFor(
      `operation ${id} to end`,
      async () => {
        const res = await this.api.get(`/v1/operations/${id}`);
        return ['succeeded', 'failed', 'cancelled'].includes(res.body?.status) ? res.body : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  async waitForVmState(id: string, state: string, timeoutMs = 60_000): Promise<any> {
    return waitFor(
      `vm ${id} to be ${state}`,
      async () => {
        const res = await this.api.get(`/v1/vms/${id}`);
        return res.body?.state === state ? res.body : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  /**
   * The test-only SimControl of a simulated host (faults, the record of domain lives). A host of
   * addHost is called on its agent's own port, behind its links: it answers whatever is cut.
   */
  async simControl(hostName: string): Promise<SimControl> {
    const host = await this.hostNamed(hostName);
    const address = this.hostProcesses.get(hostName)?.agentAddress ?? host.address;
    const client = simControl(address, host.id, await this.identity());
    this.controls.push(client);
    return client;
  }

  /** A host's agent as the control plane reaches it (through an addHost host's control-plane link): for tests that act behind its back. */
  async agentClient(hostName: string): Promise<AgentClient> {
    const host = await this.hostNamed(hostName);
    const client = createAgentClient(host.address, host.id, await this.identity(), 10_000);
    this.controls.push(client);
    return client;
  }

  /** The control plane's permission for a migration, for tests that call an agent's MigrateDomain themselves. */
  async migrationTicket(claims: Omit<MigrationClaims, 'expiresAt'>): Promise<string> {
    return signMigrationTicket(await this.identity(), { ...claims, expiresAt: Date.now() + 10 * 60_000 });
  }

  private async hostNamed(name: string): Promise<{ id: string; name: string; address: string }> {
    const hosts = (await this.api.get('/v1/hosts')).body.items as { id: string; name: string; address: string }[];
    const host = hosts.find((h) => h.name === name);
    if (!host) throw new Error(`no host ${name}`);
    return host;
  }

  /** A client identity of the cloud's CA, as the control plane's (a TLS handshake with an agent, servedCertificate). */
  identity(): Promise<TlsIdentity> {
    this.testIdentity ??= loadOrCreateCa(this.env['XENPLANE_PKI_DIR']!).then(async (ca) => ({
      ...(await ca.issueControlPlaneIdentity('tests')),
      caCertPem: ca.caCertPem,
    }));
    return this.testIdentity;
  }

  /**
   * Every domain life the simulated hosts remember, by host name. Without a list of hosts, it
   * asks every host the API knows except those of addHost whose agent is not running (killed,
   * not yet restarted): what those remember is unknown until they are back, and they are left
   * out. domainLivesReport() says which; a list of hosts asks exactly those, and fails if one
   * cannot answer. A host whose links are cut answers (SimControl goes behind the links).
   */
  async domainLives(opts: { hosts?: string[] } = {}): Promise<DomainLife[]> {
    return (await this.domainLivesReport(opts)).lives;
  }

  /** domainLives, and the hosts it left out (agent not running). */
  async domainLivesReport(opts: { hosts?: string[] } = {}): Promise<{ lives: DomainLife[]; notRunning: string[] }> {
    const names = opts.hosts ?? ((await this.api.get('/v1/hosts')).body.items as { name: string }[]).map((h) => h.name);
    const lives: DomainLife[] = [];
    const notRunning: string[] = [];
    for (const name of names) {
      if (!opts.hosts && this.hostProcesses.get(name)?.process.running === false) {
        notRunning.push(name);
        continue;
      }
      const c = await this.simControl(name);
      for (const l of (await c.getHistory({ vmId: '' })).lives) lives.push({ host: name, ...l });
    }
    return { lives, notRunning };
  }

  /** Redis as the cloud uses it (for tests that flush it). */
  redisClient(): Redis {
    this.redis ??= new Redis(this.env['REDIS_URL']!, { maxRetriesPerRequest: 3 });
    return this.redis;
  }

  /**
   * Whether an operation's job is in the schedulers' queues: BullMQ keeps a job under its id (the
   * operation's) until a scheduler has run it to completion, then removes it.
   */
  async hasQueuedJob(operationId: string): Promise<boolean> {
    const keys = ['operations', 'ha-restarts'].map((queue) => `${this.queuePrefix}:${queue}:${operationId}`);
    return (await this.redisClient().exists(...keys)) > 0;
  }

  /**
   * Until a scheduler has taken an operation's job and run it to completion (it left the queues):
   * the scheduler has had its chance to act on the operation. For tests that then show it did not.
   */
  async waitForJobDone(operationId: string, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      `the job of operation ${operationId} run to completion`,
      async () => ((await this.hasQueuedJob(operationId)) ? undefined : true),
      { timeoutMs, intervalMs: 50 },
    );
  }

  /** Deletes every Redis key of this cloud's queues (what a Redis restart without persistence does). */
  async flushQueues(): Promise<number> {
    return this.deleteKeys(`${this.queuePrefix}:*`);
  }

  /**
   * Deletes this cloud's rate-limit counters: every budget starts afresh. The counters' keys are
   * `{<prefix>:rate-limit:<token id or address>:<token|address>}:hits` (and `:blocked`).
   */
  async resetRateLimits(): Promise<number> {
    return this.deleteKeys(`{${this.queuePrefix}:rate-limit:*`);
  }

  private async deleteKeys(pattern: string): Promise<number> {
    const redis = this.redisClient();
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) removed += await redis.del(...keys);
    } while (cursor !== '0');
    return removed;
  }

  private metricsPortsTaken = 0;

  /** A METRICS_PORT for the next process: a free port, or the next from opts.metricsBasePort (0 when that is 0: none). */
  private async nextMetricsPort(): Promise<number> {
    const base = this.opts.metricsBasePort;
    if (base === 0) return 0;
    // taken before any wait: processes started at once get ports of their own
    const next = base === undefined ? undefined : base + this.metricsPortsTaken++;
    return next ?? freePort();
  }

  /** The process's METRICS_PORT setting, the port kept in metricsPorts under its name. */
  private metricsEnv(name: string, port: number): Record<string, string> {
    if (port) this.metricsPorts.set(name, port);
    return { METRICS_PORT: String(port) };
  }

  /** The text a process's metrics server answers (Prometheus format), by process name. */
  async metrics(name = 'api'): Promise<string> {
    const port = this.metricsPorts.get(name);
    if (port === undefined) throw new Error(`no metrics port for ${name}`);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    if (res.status !== 200) throw new Error(`metrics of ${name}: ${res.status}`);
    return res.text();
  }

  logs(): string {
    return [
      this.apiProcess,
      ...this.extraApis.map((a) => a.process),
      ...this.schedulers,
      ...this.fleets,
      ...[...this.hostProcesses.values()].map((h) => h.process),
    ]
      .filter((p): p is ManagedProcess => !!p)
      .map((p) => `----- ${p.spec.name}\n${p.output().split('\n').slice(-40).join('\n')}`)
      .join('\n');
  }

  /** Stops every process it started, whatever state they are in, and removes what it created. */
  async stop(): Promise<void> {
    for (const c of this.controls) c.close();
    const processes = [
      ...this.fleets,
      ...this.schedulers,
      this.apiProcess,
      ...this.extraApis.map((a) => a.process),
    ].filter((p): p is ManagedProcess => !!p);
    await Promise.all([...processes.map((p) => p.stop()), ...[...this.hostProcesses.values()].map((h) => h.stop())]);
    if (this.redis || this.ownedDatabase) {
      await this.flushQueues().catch(() => undefined);
      await this.resetRateLimits().catch(() => undefined);
    }
    this.redis?.disconnect();
    await this.db?.$disconnect().catch(() => undefined);
    if (this.ownedDatabase) await dropDatabase(this.databaseUrl).catch(() => undefined);
    // XENPLANE_KEEP_LOGS=1 keeps a test cloud's logs for a post-mortem
    if (this.ownedStateDir && !process.env['XENPLANE_KEEP_LOGS'])
      rmSync(this.stateDir, { recursive: true, force: true });
  }

  private process(
    name: string,
    app: 'api' | 'scheduler' | 'host-agent',
    extra: Record<string, string>,
  ): ManagedProcess {
    return new ManagedProcess({
      name,
      command: process.execPath,
      args: ['--enable-source-maps', ...(this.opts.nodeArgs?.[app] ?? []), entryPoint(app)],
      env: { ...this.env, ...extra },
      cwd: repoRoot(),
      logFile: join(this.stateDir, 'logs', `${name}.log`),
      ...(this.opts.echo ? { echo: this.opts.echo } : {}),
    });
  }
}
