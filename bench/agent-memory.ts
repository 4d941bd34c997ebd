// The host agent's memory (issue: "the agent's RSS with 100 domains stays under 60 MB; report it"):
//   1. one agent process, sim driver, started as production starts it (the node flags of
//      root Dockerfile's host-agent CMD, read from there): RSS idle, then after N domains
//      (64 MB, 1 vCPU each) and the calls a scheduler makes (200 heartbeats, 50 listDomains), 2 s
//      of quiet, nothing forced; VmRSS and VmHWM (peak) from /proc/<pid>/status, against the goal;
//      then again after --calls more heartbeats (a long-running agent's heap, not a fresh one's),
//      with the agent's CPU time per call (utime + stime from /proc/<pid>/stat, 10 ms ticks);
//      with --curve 2000,10000,50000 instead: RSS after that many heartbeats in all (200 first),
//      sent back to back, --parallel at a time (default 1: a scheduler never has two heartbeats to
//      one host in flight; the count matters here, not the rate, which is one every 2 s), each with
//      the scheduler's deadline (1.5 s); 2 s of quiet before each figure, and the lowest and
//      highest RSS seen while the heartbeats ran (every 100 ms);
//   2. fleet mode: one process serving many simulated hosts (AGENT_FLEET_SIZE), each enrolled
//      here (identity.json and port written to its state directory): seconds until every host
//      answers, RSS idle, then RSS with --per-host domains on each host, and RSS per host.
// Linux only (/proc). --fleet 0 skips part 2; --node-flags '<flags>' replaces the Dockerfile's
// flags (e.g. '' for none, or '--max-semi-space-size=1' to compare).
// Run: node scripts/build.mjs && node dist/bench/agent-memory.js [--domains 100] [--calls 2000 | --curve 2000,10000,50000 [--parallel 1]]
//        [--fleet 300] [--per-host 10]
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type AgentClient, createAgentClient, type TlsIdentity } from '@xenplane/agent-client';
import { type CertificateAuthority, createKeyAndCsr, loadOrCreateCa } from '@xenplane/pki';
import { type DomainSpec, DomainState, type HeartbeatRequest } from '@xenplane/proto';
import { freePort, ManagedProcess, testDomainSpec, waitFor } from '@xenplane/testing';
import { productionNodeFlags } from '../apps/host-agent/src/node-flags';
import { benchArgs } from './args';
import { report, round } from './report';

const args = benchArgs(['domains', 'calls', 'fleet', 'per-host', 'curve', 'parallel', 'node-flags']);
const arg = args.num;
const argText = args.maybe;

const MAIN = resolve(__dirname, '../apps/host-agent/src/main.js');

const GOAL_MB = 60;
// the scheduler's HEARTBEAT_TIMEOUT_MS
const HEARTBEAT_DEADLINE_MS = 1_500;
const flagsArg = argText('node-flags');
const NODE_FLAGS = flagsArg === undefined ? productionNodeFlags() : flagsArg.split(' ').filter(Boolean);
const SIM_ENV: Record<string, string> = { SIM_BOOT_MS: '0', SIM_SHUTDOWN_MS: '0', LOG_LEVEL: 'warn' };
const RUNNING = [DomainState.DOMAIN_STATE_RUNNING, DomainState.DOMAIN_STATE_BLOCKED];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Memory {
  rssMb: number;
  peakMb: number;
  anonMb: number;
  fileMb: number;
}

/** What the kernel says the process holds now (VmRSS, split into anonymous and file) and at most (VmHWM). */
function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(m[1]);
  };
  const mb = (field: string) => round(kb(field) / 1024);
  return {
    rssMb: mb('VmRSS'),
    peakMb: mb('VmHWM'),
    anonMb: mb('RssAnon'),
    fileMb: round((kb('RssFile') + kb('RssShmem')) / 1024),
  };
}

/** A small PV guest, as the scheduler would ask for xp.micro: 64 MB, 1 vCPU, one disk, one NIC. */
function domainSpec(n: number): DomainSpec {
  const mac = `00:16:3e:${[(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  return testDomainSpec({ name: `bench-${n}`, vifs: [{ mac, bridge: 'xenbr0', rate: '', model: '', ip: '' }] });
}

/** Runs the tasks with at most `limit` at a time; the first failure fails the lot. */
async function inParallel<T>(
  items: T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function createDomains(c: AgentClient, specs: DomainSpec[], concurrency: number): Promise<void> {
  await inParallel(specs, concurrency, async (spec) => {
    const d = await c.createDomain({ spec, startPaused: false });
    if (!RUNNING.includes(d.state)) throw new Error(`domain ${spec.vmId} is ${DomainState[d.state]}, not running`);
  });
}

/** Whether something accepts TCP connections on the port (the fleet binds its hosts one after another). */
function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}

const tail = (text: string, lines = 30) => text.trim().split('\n').slice(-lines).join('\n');

type Row = Record<string, string | number>;

const columns = (m: Memory, hosts: number): Row => ({
  rss_mb: m.rssMb,
  peak_mb: m.peakMb,
  anon_mb: m.anonMb,
  file_mb: m.fileMb,
  ...(hosts > 1 ? { rss_per_host_kb: Math.round((m.rssMb * 1024) / hosts) } : {}),
});

/** The agent's CPU time so far, ms (user + system, /proc/<pid>/stat fields 14 and 15, 10 ms ticks). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** How much agent CPU each call costs, ms: n calls in a row, one at a time. */
async function cpuPerCall(pid: number, n: number, call: () => Promise<unknown>): Promise<number> {
  const before = cpuMsOf(pid);
  for (let i = 0; i < n; i++) await call();
  return round((cpuMsOf(pid) - before) / n, 2);
}

interface Enrolled {
  hostId: string;
  port: number;
}

/** A host enrolled as the control plane would have: its key, a certificate of our CA, its port in its state directory. */
async function enroll(
  ca: CertificateAuthority,
  stateDir: string,
  name: string,
  poolId: string,
  port: number,
): Promise<Enrolled> {
  const hostId = randomUUID();
  const address = `127.0.0.1:${port}`;
  const { keyPem, csrPem } = await createKeyAndCsr(name);
  const issued = await ca.signHostCsr(csrPem, { hostId, address });
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const identity = { hostId, poolId, name, address, caCertPem: ca.caCertPem, certPem: issued.certPem, keyPem };
  writeFileSync(join(stateDir, 'identity.json'), JSON.stringify(identity), { mode: 0o600 });
  writeFileSync(join(stateDir, 'port'), String(port));
  return { hostId, port };
}

/** The agent as production starts it: `node <the Dockerfile's flags> dist/apps/host-agent/src/main.js`. */
function startAgent(name: string, dir: string, env: Record<string, string>): ManagedProcess {
  return new ManagedProcess({
    name,
    command: process.execPath,
    args: [...NODE_FLAGS, MAIN],
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', AGENT_DRIVER: 'sim', ...SIM_ENV, ...env },
    logFile: join(dir, `${name}.log`),
  }).start();
}

/**
 * n heartbeats as the scheduler sends them (its fence timeout, the host's HA list, its deadline),
 * `parallel` at a time; the number that failed (a deadline missed on a busy machine counts, as
 * the scheduler would count it, and does not stop the run).
 */
/**
 * A heartbeat as the scheduler sends one with the default liveness (fence 8,782 ms, probes 1 s,
 * rechecks 2 s): the host's HA list and its five witnesses (never called while heartbeats come).
 */
function heartbeatRequest(vmIds: string[]): HeartbeatRequest {
  return {
    fenceTimeoutSeconds: 8,
    fenceTimeoutMs: 8_782,
    protectedVmIds: vmIds,
    witnesses: WITNESSES,
    condemnedHostIds: [],
    probeTimeoutMs: 1_000,
    quorumRecheckMs: 2_000,
  };
}

const WITNESSES = Array.from({ length: 5 }, (_, i) => ({ hostId: randomUUID(), address: `127.0.0.1:${40_000 + i}` }));

async function heartbeats(client: AgentClient, vmIds: string[], n: number, parallel: number): Promise<number> {
  let failed = 0;
  await inParallel(Array.from({ length: n }), parallel, async () => {
    await client.heartbeat(heartbeatRequest(vmIds), { deadlineMs: HEARTBEAT_DEADLINE_MS }).catch(() => failed++);
  });
  return failed;
}

async function controlPlaneOf(dir: string): Promise<{ ca: CertificateAuthority; identity: TlsIdentity }> {
  const ca = await loadOrCreateCa(join(dir, 'ca'));
  return { ca, identity: { caCertPem: ca.caCertPem, ...(await ca.issueControlPlaneIdentity('bench')) } };
}

/** Heartbeat counts (in all, the first 200 included) after which the curve mode measures. */
interface Curve {
  at: number[];
  parallel: number;
}

async function singleAgent(domains: number, calls: number, curve?: Curve): Promise<{ rows: Row[]; pass: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), 'xenplane-agent-memory-'));
  let agent: ManagedProcess | undefined;
  let c: AgentClient | undefined;
  try {
    const controlPlane = await controlPlaneOf(dir);
    const stateDir = join(dir, 'state');
    const host = await enroll(controlPlane.ca, stateDir, 'bench', randomUUID(), await freePort());
    const t = performance.now();
    agent = startAgent('agent', dir, {
      AGENT_STATE_DIR: stateDir,
      AGENT_PORT: String(host.port),
      SIM_MEMORY_MB: '262144',
      SIM_CPUS: '64',
      SIM_DISK_GB: String(Math.max(2_000, domains * 2)),
    });
    const proc = agent;
    const pid = proc.pid!;
    const client = createAgentClient(`127.0.0.1:${host.port}`, host.hostId, controlPlane.identity, 30_000);
    c = client;
    await waitFor(
      'the agent to answer',
      async () => {
        if (!proc.running) throw new Error(`the agent exited:\n${tail(proc.output())}`);
        return client.getHostInfo({}).then(
          () => true,
          () => undefined,
        );
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const startSeconds = (performance.now() - t) / 1000;
    await sleep(2_000);
    const idle = memoryOf(pid);

    const specs = Array.from({ length: domains }, (_, i) => domainSpec(i + 1));
    const t0 = performance.now();
    await createDomains(client, specs, 4);
    const createSeconds = (performance.now() - t0) / 1000;
    const vmIds = specs.map((s) => s.vmId);
    // what the scheduler's host monitor and reconciler ask, with its fence timeout and HA list
    const heartbeat = () => client.heartbeat(heartbeatRequest(vmIds));
    const heartbeatCpuMs = await cpuPerCall(pid, 200, heartbeat);
    const listCpuMs = await cpuPerCall(pid, 50, async () => {
      const listed = await client.listDomains({});
      if (listed.domains.length !== domains)
        throw new Error(`listDomains answered ${listed.domains.length} domains, not ${domains}`);
    });
    await sleep(2_000);
    const loaded = memoryOf(pid);
    const goal = (m: Memory) => ({ goal: `rss < ${GOAL_MB} MB`, result: m.rssMb < GOAL_MB ? 'pass' : 'FAIL' });
    const rows: Row[] = [
      { measure: 'one agent, idle', hosts: 1, domains: 0, startup_s: round(startSeconds, 2), ...columns(idle, 1) },
      {
        measure: `one agent, ${domains} domains, after 200 heartbeats + 50 listDomains`,
        hosts: 1,
        domains,
        ...columns(loaded, 1),
        create_s: round(createSeconds, 2),
        cpu_ms_per_heartbeat: heartbeatCpuMs,
        cpu_ms_per_list: listCpuMs,
        ...goal(loaded),
      },
    ];
    const later: Memory[] = [];
    if (curve) {
      let sent = 200;
      for (const total of curve.at.filter((n) => n > sent)) {
        const t = performance.now();
        const cpuBefore = cpuMsOf(pid);
        // RSS while the heartbeats run, every 100 ms: the old generation's saw-tooth between major GCs
        const seen: number[] = [];
        const sampler = setInterval(() => seen.push(memoryOf(pid).rssMb), 100);
        const failed = await heartbeats(client, vmIds, total - sent, curve.parallel).finally(() =>
          clearInterval(sampler),
        );
        const cpuMs = round((cpuMsOf(pid) - cpuBefore) / (total - sent), 2);
        const perSecond = Math.round((total - sent) / ((performance.now() - t) / 1000));
        sent = total;
        await sleep(2_000);
        const m = memoryOf(pid);
        later.push(m);
        rows.push({
          measure: `same, after ${total} heartbeats`,
          hosts: 1,
          domains,
          ...columns(m, 1),
          running_rss_mb: seen.length ? `${Math.min(...seen)}-${Math.max(...seen)}` : '',
          cpu_ms_per_heartbeat: cpuMs,
          heartbeats_per_s: perSecond,
          failed,
          ...goal(m),
        });
      }
    } else {
      const longRunCpuMs = await cpuPerCall(pid, calls, heartbeat);
      await sleep(2_000);
      const longRun = memoryOf(pid);
      later.push(longRun);
      rows.push({
        measure: `same, after ${calls} more heartbeats`,
        hosts: 1,
        domains,
        ...columns(longRun, 1),
        cpu_ms_per_heartbeat: longRunCpuMs,
        ...goal(longRun),
      });
    }
    return { rows, pass: [loaded, ...later].every((m) => m.rssMb < GOAL_MB) };
  } catch (err) {
    if (agent) console.error(`agent log (tail):\n${tail(agent.output())}`);
    throw err;
  } finally {
    c?.close();
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function fleet(hosts: number, perHost: number): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'xenplane-fleet-'));
  const stateRoot = join(dir, 'state');
  const clients: AgentClient[] = [];
  let agent: ManagedProcess | undefined;
  try {
    const controlPlane = await controlPlaneOf(dir);
    const ports = new Set<number>();
    const enrolled: Enrolled[] = [];
    const poolId = randomUUID();
    for (let i = 0; i < hosts; i++) {
      const name = `fleet-${i + 1}`;
      let port = await freePort();
      while (ports.has(port)) port = await freePort();
      ports.add(port);
      enrolled.push(await enroll(controlPlane.ca, join(stateRoot, name), name, poolId, port));
    }

    const t0 = performance.now();
    agent = startAgent('fleet-agent', dir, {
      AGENT_FLEET_SIZE: String(hosts),
      AGENT_NAME: 'fleet',
      AGENT_STATE_DIR: stateRoot,
    });
    const proc = agent;
    const pid = proc.pid!;
    // the hosts start one after another: wait for each port, then for each host to answer over mTLS
    for (const h of enrolled) {
      await waitFor(
        `fleet host on port ${h.port} to listen`,
        async () => {
          if (!proc.running) throw new Error(`the fleet agent exited:\n${tail(proc.output())}`);
          return (await listening(h.port)) || undefined;
        },
        { timeoutMs: 120_000, intervalMs: 20 },
      );
    }
    for (const h of enrolled)
      clients.push(createAgentClient(`127.0.0.1:${h.port}`, h.hostId, controlPlane.identity, 30_000));
    await inParallel(clients, 32, async (c, i) => {
      const info = await c.getHostInfo({});
      if (info.hostId !== enrolled[i]!.hostId) throw new Error(`host ${i + 1} answered as ${info.hostId}`);
    });
    const startupSeconds = (performance.now() - t0) / 1000;
    await sleep(2_000);
    const idle = memoryOf(pid);

    const t1 = performance.now();
    let n = 0;
    const specs = clients.map(() => Array.from({ length: perHost }, () => domainSpec(++n)));
    await inParallel(clients, 32, (c, i) => createDomains(c, specs[i]!, 1));
    const createSeconds = (performance.now() - t1) / 1000;
    await sleep(2_000);
    const loaded = memoryOf(pid);
    return [
      {
        measure: `fleet of ${hosts} hosts, idle`,
        hosts,
        domains: 0,
        startup_s: round(startupSeconds, 2),
        ...columns(idle, hosts),
      },
      {
        measure: `fleet of ${hosts} hosts, ${perHost} domains each`,
        hosts,
        domains: n,
        ...columns(loaded, hosts),
        create_s: round(createSeconds, 2),
      },
    ];
  } catch (err) {
    if (agent) console.error(`fleet agent log (tail):\n${tail(agent.output())}`);
    throw err;
  } finally {
    for (const c of clients) c.close();
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const domains = arg('domains', 100);
  const calls = arg('calls', 2000);
  const hosts = arg('fleet', 300);
  const perHost = arg('per-host', 10);
  const curveArg = argText('curve');
  const curve = curveArg ? { at: curveArg.split(',').map(Number), parallel: arg('parallel', 1) } : undefined;
  if (curve && !curve.at.every((n) => Number.isInteger(n) && n > 0))
    throw new Error(`--curve takes heartbeat counts, e.g. 2000,10000,50000: ${curveArg}`);
  const single = await singleAgent(domains, calls, curve);
  const rows = [...single.rows, ...(hosts > 0 ? await fleet(hosts, perHost) : [])];
  const run = curve ? { curve: curve.at, parallel: curve.parallel } : { calls };
  report('agent-memory', rows, {
    domains,
    ...run,
    fleet: hosts,
    perHost,
    nodeFlags: NODE_FLAGS.join(' '),
    goal_rss_mb: GOAL_MB,
    pass: single.pass,
    cpus: cpus().length,
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
