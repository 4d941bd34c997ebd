// Heartbeat transport at 10,000 hosts (issue: "detection at scale"): what ONE monitor process
// holds per host and what CPU it spends, for today's polling (a grpc-js channel per host) and for
// heartbeats pushed by the agents (one long-lived stream per host into one server), so that the
// choice between them is made with figures.
//
// Every host is simulated in OTHER processes (--peers of them), each host with its own key and
// certificate of the bench's CA (made with libs/pki as enrollment makes them), so the measured
// process's RSS is its own. Modes (--mode, comma-separated):
//   poll       today's design: the measured process is the monitor; it holds a grpc-js channel per
//              host (createAgentClient: the project's options, one TLS context shared by every
//              channel) and calls Heartbeat on every host each interval, 64 in flight (HostMonitor's
//              rounds, deadline HEARTBEAT_TIMEOUT_MS). Each host is a grpc-js server on its own
//              loopback address, mutual TLS, a client certificate of the CA required (as the agent).
//   poll-lean  the same with channel options meant to shrink a channel (LEAN_CHANNEL_OPTIONS, or
//              --channel-options '<json>')
//   poll-h2    a node:http2 session per host (TLS context shared), the gRPC call framed by hand:
//              the agents unchanged
//   push       the measured process is one grpc-js server (mutual TLS, client certificate of the
//              CA required) holding a bidi stream per host: each agent sends a HeartbeatResponse
//              (inventory + --domains domains) every interval and the monitor answers each one with
//              a HeartbeatRequest (the fence lease renewal), so both sides know the other heard it.
//              Each simulated agent is a grpc-js channel with its own credentials.
//   push-h2    the same stream, the server node:http2 with gRPC framing by hand (agents unchanged)
//   push-tls   a TLS socket per host and no HTTP/2, length-prefixed protobuf frames both ways: the
//              floor of any design that keeps a mutual-TLS connection per host
//   push-udp   no connection at all: each heartbeat one datagram sealed (AES-256-GCM) with a key of
//              the host's own (derived from a monitor secret and the host id, as enrollment could
//              hand it out), answered by a sealed datagram echoing its sequence number; replays are
//              refused. Not TLS: a protocol of our own, measured only as the connectionless floor
// Each run (mode x --hosts): the measured process's RSS (VmRSS, /proc/<pid>/status) and V8 heap
// before any host, with every host connected after one heartbeat each and then quiet for 5 s, and
// after --measure-s of heartbeats every --interval-ms; its CPU (utime + stime, /proc/<pid>/stat)
// while every host connects, 64 at a time per process (a monitor restart), and while beating,
// with how long its main thread waited for a CPU (/proc/<pid>/schedstat) and its event loop's
// delay: on a shared machine CPU figures are noisy, memory ones are not. Then --kill hosts go
// silent (poll: they stop answering; push: they stop sending, connection left open) and the time
// until the monitor declares each dead (nothing heard for --dead-after-ms, checked every second
// or after every poll round) is checked against dead timeout + 2 s. The summary rows give the
// cost per host from the slope between the smallest and largest run, and the hosts one replica
// holds under 400 MB.
// Identities (~12 ms each) are made once and kept in $TMPDIR/xenplane-heartbeat-bench. The
// monitor holds one socket per host, each agent-side process one per host it simulates: raise
// the open-files limit first (ulimit -n 20000). Linux only (/proc).
// Run: node scripts/build.mjs && ulimit -n 20000 && node dist/bench/heartbeat-transport.js
//        [--hosts 1000,5000,10000] [--mode poll,poll-lean,poll-h2,push,push-h2,push-tls,push-udp]
//        [--measure-s 30] [--interval-ms 2000] [--domains 10] [--peers 4] [--kill 10]
//        [--dead-after-ms 20000] [--channel-options '{"grpc.enable_retries":0}'] [--holder-flags '--trace-gc'] [--holder-nice -10]
import { type ChildProcess, fork } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';
import * as dgram from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import { setPriority, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import * as tls from 'node:tls';
import {
  type ChannelOptions,
  credentials,
  type handleBidiStreamingCall,
  Metadata,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type ServiceError,
  makeGenericClientConstructor,
} from '@grpc/grpc-js';
import {
  type AgentClient,
  channelCredentialsFor,
  channelOptionsFor,
  createAgentClient,
  type TlsIdentity,
} from '@xenplane/agent-client';
import { createKeyAndCsr, identityFromSubjectAltName, loadOrCreateCa } from '@xenplane/pki';
import {
  DomainState,
  GuestType,
  HeartbeatRequest,
  HeartbeatResponse,
  HostAgentClient,
  HostAgentService,
} from '@xenplane/proto';
import { benchArgs } from './args';
import { report, round } from './report';

const MODES = ['poll', 'poll-lean', 'poll-h2', 'push', 'push-h2', 'push-tls', 'push-udp'] as const;
type Mode = (typeof MODES)[number];

/** What poll-lean changes on today's channel (each option either a limit or a feature turned off). */
const LEAN_CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.enable_retries': 0,
  'grpc.max_receive_message_length': 64 * 1024,
  'grpc-node.max_session_memory': 1,
  'grpc.enable_channelz': 0,
  'grpc.keepalive_time_ms': 0,
};

// the bench's own options, and those of the roles it runs itself in (--role issue|holder|peers)
const args = benchArgs([
  'hosts',
  'mode',
  'measure-s',
  'interval-ms',
  'domains',
  'peers',
  'kill',
  'dead-after-ms',
  'channel-options',
  'holder-flags',
  'holder-nice',
  'port',
  'role',
  'count',
  'out',
  'from',
  'to',
]);
const argText = args.text;
const argNum = args.num;

const STORE = join(tmpdir(), 'xenplane-heartbeat-bench');
const STORE_MAX_AGE_MS = 20 * 86_400_000; // the control plane's client certificate lives 30 days
const PARALLEL_HEARTBEATS = 64; // HostMonitor's
const HEARTBEAT_TIMEOUT_MS = 1_500; // the scheduler's default HEARTBEAT_TIMEOUT_MS
const FENCE_TIMEOUT_S = 12; // the scheduler's default FENCE_TIMEOUT_MS
const CONNECT_PARALLEL = 64; // connections each agent-side process opens at a time
const SETTLE_MS = 5_000;
const GOAL_MB = 400;
const NAME_PREFIX = 'xenplane-host.'; // libs/agent-client's TLS name for a host
const MONITOR_NAME = 'xenplane-monitor';
const HEARTBEAT_PATH = HostAgentService.heartbeat.path;
const SINK_PATH = '/xenplane.agent.v1.HeartbeatSink/Report';
const SECRET_ENV = 'HEARTBEAT_BENCH_UDP_SECRET'; // push-udp: the monitor's secret, each host's key derived from it

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Identities: a CA, the control plane's client identity, a server identity for the push modes'
// monitor, and one key + certificate per host, made with libs/pki and kept between runs.

interface HostCred {
  hostId: string;
  keyPem: string;
  certPem: string;
}

interface StoreMeta {
  createdAt: number;
  caCertPem: string;
  controlPlane: TlsIdentity;
  /** the push modes' monitor: a certificate that can serve, named by its own id */
  monitor: HostCred;
}

const metaFile = join(STORE, 'meta.json');
const hostsFile = join(STORE, 'hosts.jsonl');

function readMeta(): StoreMeta {
  return JSON.parse(readFileSync(metaFile, 'utf8')) as StoreMeta;
}

function readHosts(count: number): HostCred[] {
  const lines = readFileSync(hostsFile, 'utf8').split('\n').filter(Boolean);
  if (lines.length < count) throw new Error(`${hostsFile} holds ${lines.length} hosts, not ${count}`);
  return lines.slice(0, count).map((l) => JSON.parse(l) as HostCred);
}

async function issueHosts(count: number): Promise<HostCred[]> {
  const ca = await loadOrCreateCa(join(STORE, 'ca'));
  const made: HostCred[] = [];
  for (let i = 0; i < count; i++) {
    const hostId = randomUUID();
    const { keyPem, csrPem } = await createKeyAndCsr(`bench-${hostId.slice(0, 8)}`);
    // the address only goes into the certificate's IP SAN, which nothing here checks
    const { certPem } = await ca.signHostCsr(csrPem, { hostId, address: '127.0.0.1:0' });
    made.push({ hostId, keyPem, certPem });
  }
  return made;
}

async function ensureIdentities(count: number): Promise<void> {
  if (existsSync(metaFile) && Date.now() - readMeta().createdAt > STORE_MAX_AGE_MS)
    rmSync(STORE, { recursive: true, force: true });
  mkdirSync(STORE, { recursive: true, mode: 0o700 });
  if (!existsSync(metaFile)) {
    const ca = await loadOrCreateCa(join(STORE, 'ca'));
    const controlPlane = { caCertPem: ca.caCertPem, ...(await ca.issueControlPlaneIdentity('bench')) };
    const [monitor] = await issueHosts(1);
    const meta: StoreMeta = { createdAt: Date.now(), caCertPem: ca.caCertPem, controlPlane, monitor: monitor! };
    writeFileSync(metaFile, JSON.stringify(meta), { mode: 0o600 });
    writeFileSync(hostsFile, '', { mode: 0o600 });
  }
  const have = readFileSync(hostsFile, 'utf8').split('\n').filter(Boolean).length;
  if (have >= count) return;
  const missing = count - have;
  const workers = 2;
  console.error(`issuing ${missing} host identities (kept in ${STORE})...`);
  const started = Date.now();
  const parts = await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const n = Math.floor(missing / workers) + (w < missing % workers ? 1 : 0);
      const out = join(STORE, `issue-${w}.jsonl`);
      const child = spawnRole('issue', ['--count', String(n), '--out', out]);
      await child.exited;
      if (child.proc.exitCode !== 0) throw new Error(`identity worker ${w} failed`);
      return readFileSync(out, 'utf8');
    }),
  );
  writeFileSync(hostsFile, readFileSync(hostsFile, 'utf8') + parts.join(''), { mode: 0o600 });
  console.error(`issued in ${round((Date.now() - started) / 1000)} s`);
}

async function issueRole(): Promise<void> {
  const made = await issueHosts(argNum('count', 0));
  writeFileSync(argText('out', ''), made.map((h) => `${JSON.stringify(h)}\n`).join(''), { mode: 0o600 });
}

// ---------------------------------------------------------------------------------------------
// The messages: today's HeartbeatResponse (inventory + domains) and HeartbeatRequest (fence
// timeout + the host's HA-protected VMs), the same two whichever way they travel.

function heartbeatResponse(hostId: string, domains: number): HeartbeatResponse {
  return {
    info: {
      hostId,
      hostname: `bench-${hostId.slice(0, 8)}`,
      driver: 'xl',
      peerAddress: '10.0.0.1:7443',
      agentVersion: '0.1.0',
      xenVersion: '4.17.5',
      nrCpus: 64,
      coresPerSocket: 16,
      threadsPerCore: 2,
      nrNodes: 2,
      totalMemoryMb: 262_144,
      freeMemoryMb: 180_224,
      dom0MemoryMb: 4_096,
      dom0Vcpus: 4,
      cpuVendor: 'GenuineIntel',
      cpuFeatures: ['sse4_2', 'avx', 'avx2', 'aes', 'vmx', 'ept', 'x2apic', 'pcid'],
      hvm: true,
      hap: true,
      totalDiskGb: 4_000,
      freeDiskGb: 3_100,
      xenCaps: 'xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64',
      xenScheduler: 'credit2',
    },
    domains: Array.from({ length: domains }, (_, d) => ({
      vmId: randomUUID(),
      name: `vm-${hostId.slice(0, 8)}-${d}`,
      domId: d + 1,
      state: DomainState.DOMAIN_STATE_RUNNING,
      guestType: GuestType.GUEST_TYPE_PVH,
      memoryMb: 2_048,
      maxMemoryMb: 2_048,
      vcpus: 2,
      maxVcpus: 2,
      cpuTimeSeconds: 12_345.678,
      epoch: 7,
      startedAt: new Date(),
      vifs: [],
    })),
    eventSeq: 4_242,
    fenced: false,
  };
}

const LEASE: HeartbeatRequest = {
  fenceTimeoutSeconds: FENCE_TIMEOUT_S,
  fenceTimeoutMs: FENCE_TIMEOUT_S * 1000,
  protectedVmIds: [randomUUID(), randomUUID()],
  // the witnesses a heartbeat names (docs/HA.md): five peers of the pool
  witnesses: Array.from({ length: 5 }, (_, i) => ({ hostId: randomUUID(), address: `10.0.0.${i + 2}:7443` })),
  condemnedHostIds: [],
  probeTimeoutMs: 1_000,
  quorumRecheckMs: 2_000,
};

const encodeResponse = (m: HeartbeatResponse) => Buffer.from(HeartbeatResponse.encode(m).finish());
const encodeRequest = (m: HeartbeatRequest) => Buffer.from(HeartbeatRequest.encode(m).finish());

/** A gRPC length-prefixed message (uncompressed): the framing of every mode, HTTP/2 or not. */
function frame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** Cuts a byte stream into gRPC length-prefixed messages. */
class Deframer {
  private pending?: Buffer;

  push(chunk: Buffer, onMessage: (message: Buffer) => void): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 5) {
      const len = buf.readUInt32BE(1);
      if (buf.length < 5 + len) break;
      onMessage(buf.subarray(5, 5 + len));
      buf = buf.subarray(5 + len);
    }
    this.pending = buf.length ? Buffer.from(buf) : undefined;
  }
}

// push-udp: a datagram is [host id, 16 bytes][sequence, 8][AES-256-GCM ciphertext][tag, 16], the
// host id and sequence authenticated with it; the nonce is the sequence and the direction.
const uuidBytes = (id: string) => Buffer.from(id.replace(/-/g, ''), 'hex');
const hostKey = (secret: Buffer, hostId: string) => createHmac('sha256', secret).update(hostId).digest();

function seal(key: Buffer, hostIdBytes: Buffer, seq: number, fromMonitor: boolean, body: Buffer): Buffer {
  const head = Buffer.alloc(24);
  hostIdBytes.copy(head, 0);
  head.writeBigUInt64BE(BigInt(seq), 16);
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64BE(BigInt(seq), 4);
  iv[0] = fromMonitor ? 1 : 0;
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(head);
  const sealed = Buffer.concat([head, c.update(body), c.final(), c.getAuthTag()]);
  return sealed;
}

/** The sealed datagram's sequence and body, or undefined when it does not verify. */
function open(key: Buffer, datagram: Buffer, fromMonitor: boolean): { seq: number; body: Buffer } | undefined {
  if (datagram.length < 40) return undefined;
  const head = datagram.subarray(0, 24);
  const seq = Number(head.readBigUInt64BE(16));
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64BE(BigInt(seq), 4);
  iv[0] = fromMonitor ? 1 : 0;
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(head);
  d.setAuthTag(datagram.subarray(datagram.length - 16));
  try {
    return { seq, body: Buffer.concat([d.update(datagram.subarray(24, datagram.length - 16)), d.final()]) };
  } catch {
    return undefined;
  }
}

/** Poll mode: host i listens on its own loopback address, as if each were a machine. */
const hostAddress = (i: number) =>
  `127.${20 + Math.floor(i / 62_500)}.${(Math.floor(i / 250) % 250) + 1}.${(i % 250) + 1}`;

/** The check each side makes of the other's certificate: our CA (by the TLS context) and the right name. */
function certNames(hostId: string): (hostname: string, cert: tls.PeerCertificate) => Error | undefined {
  return (_hostname, cert) => {
    const id = identityFromSubjectAltName(cert.subjectaltname);
    return id?.kind === 'host' && id.hostId === hostId ? undefined : new Error(`the certificate is not ${hostId}'s`);
  };
}

/** The host a pushing peer is, from its client certificate (already checked against our CA). */
function peerHost(
  cert: { subjectAltName?: string | undefined } | undefined,
  index: Map<string, number>,
): number | undefined {
  const id = identityFromSubjectAltName(cert?.subjectAltName);
  return id?.kind === 'host' ? index.get(id.hostId) : undefined;
}

// The push stream as a grpc-js service, described by hand (a benchmark's; not in agent.proto).
const sinkService = (side: 'server' | 'client'): ServiceDefinition => ({
  report: {
    path: SINK_PATH,
    requestStream: true,
    responseStream: true,
    // the agents send bytes they encoded once; the monitor decodes each report and encodes each answer
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: side === 'server' ? (b: Buffer) => HeartbeatResponse.decode(b) : (b: Buffer) => b,
    responseSerialize: encodeRequest,
    responseDeserialize: (b: Buffer) => HeartbeatRequest.decode(b),
  },
});

// ---------------------------------------------------------------------------------------------
// Child processes and their conversation with the orchestrator (IPC, one answer per request).

interface Role {
  proc: ChildProcess;
  exited: Promise<void>;
  ask<T = Record<string, unknown>>(msg: Record<string, unknown>): Promise<T>;
}

function spawnRole(role: string, args: string[], execArgv: string[] = []): Role {
  const proc = fork(__filename, ['--role', role, ...args], {
    execArgv,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    // the children's output goes to our stderr: our stdout is the report
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let next = 0;
  const waiting = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  proc.on('message', (m: { id: number; error?: string }) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error) w?.reject(new Error(`${role}: ${m.error}`));
    else w?.resolve(m as never);
  });
  void exited.then(() => {
    for (const w of waiting.values()) w.reject(new Error(`${role} exited (${proc.exitCode ?? proc.signalCode})`));
  });
  return {
    proc,
    exited,
    ask: <T>(msg: Record<string, unknown>) =>
      new Promise<T>((resolve, reject) => {
        const id = ++next;
        waiting.set(id, { resolve: resolve as (v: never) => void, reject });
        proc.send({ ...msg, id });
      }),
  };
}

/** A child's side: each request handled, its answer (or error) sent back with the same id. */
function serve(handle: (msg: { cmd: string } & Record<string, unknown>) => Promise<Record<string, unknown>>): void {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (msg: { id: number; cmd: string } & Record<string, unknown>) => {
    handle(msg).then(
      (answer) => process.send!({ ...answer, id: msg.id }),
      (err: unknown) => process.send!({ id: msg.id, error: (err as Error).stack ?? String(err) }),
    );
  });
}

function openFilesLimit(): number {
  const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

// ---------------------------------------------------------------------------------------------
// The measured process: a monitor that polls (poll modes) or a server the agents push to.

interface Liveness {
  /** when each host was last heard (ms since the epoch) */
  lastHeard: Float64Array;
  /** when each host was declared dead (0: not) */
  declared: Float64Array;
}

function declareDead(l: Liveness, deadAfterMs: number, now: number): void {
  for (let i = 0; i < l.lastHeard.length; i++) {
    if (!l.declared[i] && l.lastHeard[i]! > 0 && now - l.lastHeard[i]! > deadAfterMs) l.declared[i] = now;
  }
}

interface Poller {
  heartbeat(i: number): Promise<HeartbeatResponse>;
}

function grpcPoller(
  mode: 'poll' | 'poll-lean',
  hosts: HostCred[],
  identity: TlsIdentity,
  port: number,
  extra: ChannelOptions,
): Poller {
  if (mode === 'poll') {
    // today's client, exactly as the scheduler makes it
    const clients: AgentClient[] = hosts.map((h, i) =>
      createAgentClient(`${hostAddress(i)}:${port}`, h.hostId, identity, HEARTBEAT_TIMEOUT_MS),
    );
    return { heartbeat: (i) => clients[i]!.heartbeat(LEASE, { deadlineMs: HEARTBEAT_TIMEOUT_MS }) };
  }
  const options = { ...LEAN_CHANNEL_OPTIONS, ...extra };
  const clients = hosts.map(
    (h, i) =>
      new HostAgentClient(`${hostAddress(i)}:${port}`, channelCredentialsFor(identity), {
        ...channelOptionsFor(h.hostId),
        ...options,
      }),
  );
  return {
    heartbeat: (i) =>
      new Promise((resolve, reject) =>
        clients[i]!.heartbeat(
          LEASE,
          new Metadata(),
          { deadline: Date.now() + HEARTBEAT_TIMEOUT_MS },
          (err: ServiceError | null, res: HeartbeatResponse) => (err ? reject(err) : resolve(res)),
        ),
      ),
  };
}

/** A node:http2 session per host (one TLS context for all), the unary gRPC call framed by hand. */
function h2Poller(hosts: HostCred[], identity: TlsIdentity, port: number): Poller {
  const context = tls.createSecureContext({ ca: identity.caCertPem, key: identity.keyPem, cert: identity.certPem });
  const sessions: (http2.ClientHttp2Session | undefined)[] = new Array(hosts.length);
  const body = frame(encodeRequest(LEASE));
  const session = (i: number) => {
    const known = sessions[i];
    if (known && !known.closed && !known.destroyed) return known;
    const host = hostAddress(i);
    const servername = `${NAME_PREFIX}${hosts[i]!.hostId}`;
    const s = http2.connect(`https://${host}:${port}`, {
      createConnection: () =>
        tls.connect({
          host,
          port,
          servername,
          secureContext: context,
          ALPNProtocols: ['h2'],
          checkServerIdentity: certNames(hosts[i]!.hostId),
        }),
      settings: { enablePush: false },
    });
    s.on('error', () => undefined); // the call fails with it
    s.on('close', () => {
      if (sessions[i] === s) sessions[i] = undefined;
    });
    sessions[i] = s;
    return s;
  };
  const heartbeat = (i: number) =>
    new Promise<HeartbeatResponse>((resolve, reject) => {
      const req = session(i).request({
        ':method': 'POST',
        ':path': HEARTBEAT_PATH,
        ':authority': `${NAME_PREFIX}${hosts[i]!.hostId}`,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${HEARTBEAT_TIMEOUT_MS}m`,
      });
      const timer = setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), HEARTBEAT_TIMEOUT_MS);
      let status: string | undefined;
      const chunks: Buffer[] = [];
      req.on('response', (h) => (status = h['grpc-status'] as string | undefined));
      req.on('trailers', (t) => (status = t['grpc-status'] as string | undefined));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', () => undefined); // 'close' follows
      req.on('close', () => {
        clearTimeout(timer);
        const data = Buffer.concat(chunks);
        if (status !== '0' || data.length < 5)
          return reject(new Error(`heartbeat failed: grpc-status ${status}, rst ${req.rstCode}`));
        resolve(HeartbeatResponse.decode(data.subarray(5, 5 + data.readUInt32BE(1))));
      });
      req.end(body);
    });
  return { heartbeat };
}

async function holderRole(): Promise<void> {
  const mode = argText('mode', 'poll') as Mode;
  const n = argNum('hosts', 0);
  const port = argNum('port', 0);
  const intervalMs = argNum('interval-ms', 2_000);
  const deadAfterMs = argNum('dead-after-ms', 20_000);
  const extra = JSON.parse(argText('channel-options', '{}')) as ChannelOptions;
  if (openFilesLimit() < n + 200)
    throw new Error(
      `the open-files limit (${openFilesLimit()}) is below ${n + 200}: ulimit -n ${Math.max(20_000, n + 1_000)}`,
    );
  const meta = readMeta();
  const hosts = readHosts(n);
  const index = new Map(hosts.map((h, i) => [h.hostId, i]));
  const live: Liveness = { lastHeard: new Float64Array(n), declared: new Float64Array(n) };
  const stats = { heard: 0, failed: 0, domains: 0, streams: 0, refused: 0, rounds: [] as number[] };
  const heard = (i: number, res: HeartbeatResponse) => {
    live.lastHeard[i] = Date.now();
    stats.heard++;
    stats.domains += res.domains.length; // read, as the monitor's reconciliation reads it
  };
  // how late the event loop ran: a monitor starved of CPU hears its hosts late
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let poller: Poller | undefined;
  let beating = false;
  let sweeper: NodeJS.Timeout | undefined;
  let closeServer: (() => void) | undefined;
  let boundPort = 0;

  /** One poll round, as HostMonitor makes it: every host (or those given), 64 calls in flight, deadline per call. */
  const pollRound = async (only?: number[]) => {
    const started = Date.now();
    const todo = only ?? Array.from({ length: n }, (_, i) => i);
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const i = todo[next++]!;
        try {
          heard(i, await poller!.heartbeat(i));
        } catch {
          stats.failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_HEARTBEATS }, worker));
    // not while connecting: a first round at 10,000 hosts may itself outlast the dead timeout
    if (beating) declareDead(live, deadAfterMs, Date.now());
    return Date.now() - started;
  };
  const tick = async (): Promise<void> => {
    if (!beating) return;
    const ms = await pollRound();
    stats.rounds.push(ms);
    setTimeout(() => void tick(), Math.max(0, intervalMs - ms));
  };

  const startServer = async (): Promise<number> => {
    const m = meta.monitor;
    const onReport = (i: number, res: HeartbeatResponse) => heard(i, res);
    if (mode === 'push') {
      const server = new Server({ 'grpc.enable_channelz': 0 });
      const report: handleBidiStreamingCall<HeartbeatResponse, HeartbeatRequest> = (call) => {
        const i = peerHost({ subjectAltName: call.getAuthContext().sslPeerCertificate?.subjectaltname }, index);
        if (i === undefined) {
          stats.refused++;
          call.end();
          return;
        }
        stats.streams++;
        call.on('data', (res: HeartbeatResponse) => {
          onReport(i, res);
          call.write(LEASE);
        });
        call.on('error', () => undefined);
        call.on('end', () => call.end());
      };
      server.addService(sinkService('server'), { report });
      const creds = ServerCredentials.createSsl(
        Buffer.from(meta.caCertPem),
        [{ private_key: Buffer.from(m.keyPem), cert_chain: Buffer.from(m.certPem) }],
        true,
      );
      const p = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', creds, (err, bound) => (err ? reject(err) : resolve(bound))),
      );
      closeServer = () => server.forceShutdown();
      return p;
    }
    if (mode === 'push-udp') {
      const secret = Buffer.from(process.env[SECRET_ENV]!, 'hex');
      const keys = hosts.map((h) => hostKey(secret, h.hostId));
      const byId = new Map(hosts.map((h, i) => [h.hostId.replace(/-/g, ''), i]));
      const lastSeq = new Float64Array(n);
      const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
      socket.on('message', (msg, from) => {
        const i = byId.get(msg.toString('hex', 0, 16));
        const opened = i === undefined ? undefined : open(keys[i]!, msg, false);
        if (i === undefined || !opened || opened.seq <= lastSeq[i]!) {
          stats.refused++; // unknown host, forged, or a replay
          return;
        }
        lastSeq[i] = opened.seq;
        if (!live.lastHeard[i]) stats.streams++;
        onReport(i, HeartbeatResponse.decode(opened.body));
        socket.send(
          seal(keys[i]!, msg.subarray(0, 16), opened.seq, true, encodeRequest(LEASE)),
          from.port,
          from.address,
        );
      });
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      closeServer = () => socket.close();
      return socket.address().port;
    }
    const tlsOptions = {
      ca: meta.caCertPem,
      key: m.keyPem,
      cert: m.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    };
    if (mode === 'push-h2') {
      const server = http2.createSecureServer({ ...tlsOptions, settings: { enablePush: false } });
      server.on('stream', (stream, headers) => {
        const i = peerHost((stream.session?.socket as tls.TLSSocket | undefined)?.getPeerX509Certificate(), index);
        if (headers[':path'] !== SINK_PATH || i === undefined) {
          stats.refused++;
          stream.respond(
            { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '7' },
            { endStream: true },
          );
          return;
        }
        stats.streams++;
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        const deframer = new Deframer();
        stream.on('data', (chunk: Buffer) =>
          deframer.push(chunk, (msg) => {
            onReport(i, HeartbeatResponse.decode(msg));
            stream.write(frame(encodeRequest(LEASE)));
          }),
        );
        stream.on('end', () => stream.end());
        stream.on('error', () => undefined);
      });
      server.on('sessionError', () => undefined);
      server.on('tlsClientError', () => stats.refused++);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closeServer = () => server.close();
      return (server.address() as { port: number }).port;
    }
    // push-tls
    const server = tls.createServer(tlsOptions, (socket) => {
      const i = peerHost(socket.getPeerX509Certificate(), index);
      if (i === undefined) {
        stats.refused++;
        socket.destroy();
        return;
      }
      stats.streams++;
      socket.setNoDelay(true);
      const deframer = new Deframer();
      socket.on('data', (chunk: Buffer) =>
        deframer.push(chunk, (msg) => {
          onReport(i, HeartbeatResponse.decode(msg));
          socket.write(frame(encodeRequest(LEASE)));
        }),
      );
      socket.on('error', () => undefined);
    });
    server.on('tlsClientError', () => stats.refused++);
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
    closeServer = () => server.close();
    return (server.address() as { port: number }).port;
  };

  serve(async (msg) => {
    switch (msg.cmd) {
      case 'start':
        if (mode.startsWith('push')) boundPort = await startServer();
        return { port: boundPort };
      case 'connect': {
        // poll: the channels are made and the first round connects every one of them
        const started = Date.now();
        if (mode === 'poll-h2') poller = h2Poller(hosts, meta.controlPlane, port);
        else poller = grpcPoller(mode as 'poll' | 'poll-lean', hosts, meta.controlPlane, port, extra);
        // a connection made under a 1.5 s deadline, 64 at a time, may miss it: later rounds retry those
        let rounds = 0;
        for (let missing: number[] | undefined; rounds === 0 || (missing!.length && rounds < 5); rounds++) {
          await pollRound(missing);
          missing = [...live.lastHeard.keys()].filter((i) => !live.lastHeard[i]);
        }
        return { ms: Date.now() - started, missedFirst: stats.failed, rounds };
      }
      case 'beat':
        // from now on each host has the whole dead timeout, as when a monitor takes a host over
        live.lastHeard.fill(Date.now());
        live.declared.fill(0);
        beating = true;
        if (poller) void tick();
        else sweeper = setInterval(() => declareDead(live, deadAfterMs, Date.now()), 1_000);
        return {};
      case 'stats': {
        let heardOnce = 0;
        for (const t of live.lastHeard) if (t > 0) heardOnce++;
        return { ...stats, rounds: stats.rounds.slice(), heardOnce };
      }
      case 'loop-delay': {
        const answer = { p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6 };
        loopDelay.reset();
        return answer;
      }
      case 'memory': {
        const before = process.memoryUsage();
        (globalThis as { gc?: () => void }).gc?.();
        const after = process.memoryUsage();
        return {
          heapUsed: before.heapUsed,
          heapTotal: before.heapTotal,
          external: before.external,
          liveHeap: after.heapUsed,
        };
      }
      case 'declared': {
        const declared: [number, number][] = [];
        live.declared.forEach((t, i) => t && declared.push([i, t]));
        return { declared, lastHeard: ((msg['hosts'] as number[] | undefined) ?? []).map((i) => live.lastHeard[i]!) };
      }
      case 'stop':
        beating = false;
        clearInterval(sweeper);
        closeServer?.();
        setTimeout(() => process.exit(0), 100);
        return {};
      default:
        throw new Error(`unknown command ${msg.cmd}`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The agents' side: many simulated hosts per process (hosts [from, to) of the store).

async function peersRole(): Promise<void> {
  const mode = argText('mode', 'poll') as Mode;
  const from = argNum('from', 0);
  const to = argNum('to', 0);
  const domains = argNum('domains', 10);
  const intervalMs = argNum('interval-ms', 2_000);
  const meta = readMeta();
  const hosts = readHosts(to).slice(from);
  const dead = new Set<number>();
  const stats = { acks: 0, failed: 0, answered: 0 };
  const reports = hosts.map((h) => encodeResponse(heartbeatResponse(h.hostId, domains)));
  const timers: NodeJS.Timeout[] = [];
  let send: ((k: number) => void) | undefined;

  const servePoll = async (port: number) => {
    await Promise.all(
      hosts.map(async (h, k) => {
        const server = new Server({ 'grpc.enable_channelz': 0 });
        const service: ServiceDefinition = {
          heartbeat: { ...HostAgentService.heartbeat, responseSerialize: (b: Buffer) => b },
        };
        server.addService(service, {
          heartbeat: (call: { request: HeartbeatRequest }, cb: (err: null, res: Buffer) => void) => {
            if (call.request.fenceTimeoutSeconds !== FENCE_TIMEOUT_S) throw new Error('not a heartbeat');
            if (dead.has(k)) return; // a dead host answers nothing: the caller's deadline ends the call
            stats.answered++;
            cb(null, reports[k]!);
          },
        });
        const creds = ServerCredentials.createSsl(
          Buffer.from(meta.caCertPem),
          [{ private_key: Buffer.from(h.keyPem), cert_chain: Buffer.from(h.certPem) }],
          true,
        );
        await new Promise<number>((resolve, reject) =>
          server.bindAsync(`${hostAddress(from + k)}:${port}`, creds, (err, p) => (err ? reject(err) : resolve(p))),
        );
      }),
    );
  };

  /** Opens every host's connection (and stream), CONNECT_PARALLEL at a time; each sends one report and waits for its answer. */
  const connectPush = async (port: number) => {
    const firstAck: ((() => void) | undefined)[] = new Array(hosts.length);
    const acked = (k: number) => {
      stats.acks++;
      const f = firstAck[k];
      firstAck[k] = undefined;
      f?.();
    };
    let connect: (k: number) => void;
    if (mode === 'push-udp') {
      const secret = Buffer.from(process.env[SECRET_ENV]!, 'hex');
      const keys = hosts.map((h) => hostKey(secret, h.hostId));
      const ids = hosts.map((h) => uuidBytes(h.hostId));
      const byId = new Map(hosts.map((h, k) => [h.hostId.replace(/-/g, ''), k]));
      const seqs = new Float64Array(hosts.length);
      const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      socket.on('message', (msg) => {
        const k = byId.get(msg.toString('hex', 0, 16));
        if (k !== undefined && open(keys[k]!, msg, true)) acked(k);
        else stats.failed++;
      });
      const s = (k: number) => socket.send(seal(keys[k]!, ids[k]!, ++seqs[k]!, false, reports[k]!), port, '127.0.0.1');
      send = s;
      // a datagram may be lost: the first one is sent again until it is answered
      connect = (k) => {
        s(k);
        const again = setInterval(() => (firstAck[k] ? s(k) : clearInterval(again)), 500);
      };
    } else if (mode === 'push-tls') {
      const sockets: tls.TLSSocket[] = new Array(hosts.length);
      const monitorCheck = certNames(meta.monitor.hostId);
      connect = (k) => {
        const h = hosts[k]!;
        const socket = tls.connect({
          host: '127.0.0.1',
          port,
          servername: MONITOR_NAME,
          secureContext: tls.createSecureContext({ ca: meta.caCertPem, key: h.keyPem, cert: h.certPem }),
          checkServerIdentity: monitorCheck,
        });
        socket.setNoDelay(true);
        const deframer = new Deframer();
        socket.on('data', (chunk: Buffer) => deframer.push(chunk, () => acked(k)));
        socket.on('error', () => stats.failed++);
        socket.write(frame(reports[k]!));
        sockets[k] = socket;
      };
      send = (k) => sockets[k]!.write(frame(reports[k]!));
    } else {
      const Sink = makeGenericClientConstructor(sinkService('client'), 'HeartbeatSink');
      const streams: { write(b: Buffer): boolean }[] = new Array(hosts.length);
      const monitorCheck = certNames(meta.monitor.hostId);
      connect = (k) => {
        const h = hosts[k]!;
        const creds = credentials.createSsl(
          Buffer.from(meta.caCertPem),
          Buffer.from(h.keyPem),
          Buffer.from(h.certPem),
          { checkServerIdentity: monitorCheck },
        );
        const client = new Sink(`127.0.0.1:${port}`, creds, {
          'grpc.ssl_target_name_override': MONITOR_NAME,
          'grpc.default_authority': MONITOR_NAME,
          'grpc.enable_channelz': 0,
        });
        const call = (
          client as unknown as { report(md: Metadata): NodeJS.ReadWriteStream & { write(b: Buffer): boolean } }
        ).report(new Metadata());
        call.on('data', () => acked(k));
        call.on('error', () => stats.failed++);
        call.write(reports[k]!);
        streams[k] = call;
      };
      send = (k) => streams[k]!.write(reports[k]!);
    }
    let next = 0;
    const worker = async () => {
      while (next < hosts.length) {
        const k = next++;
        await new Promise<void>((resolve) => {
          firstAck[k] = resolve;
          connect(k);
        });
      }
    };
    await Promise.all(Array.from({ length: CONNECT_PARALLEL }, worker));
  };

  serve(async (msg) => {
    switch (msg.cmd) {
      case 'start':
        if (mode.startsWith('poll')) await servePoll(Number(msg['port']));
        return {};
      case 'connect': {
        const started = Date.now();
        await connectPush(Number(msg['port']));
        return { ms: Date.now() - started };
      }
      case 'beat':
        // every host on its own phase, as independent machines would be
        if (send) {
          const s = send;
          hosts.forEach((_, k) =>
            timers.push(
              setTimeout(() => {
                if (!dead.has(k)) s(k);
                timers.push(setInterval(() => !dead.has(k) && s(k), intervalMs));
              }, Math.random() * intervalMs),
            ),
          );
        }
        return {};
      case 'kill':
        for (const i of msg['hosts'] as number[]) dead.add(i - from);
        return { at: Date.now() };
      case 'stats':
        return { ...stats };
      default:
        throw new Error(`unknown command ${msg.cmd}`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The orchestrator: one run per mode and fleet size, the measured process sampled from /proc.

interface Sample {
  rssMb: number;
  peakMb: number;
  heapUsedMb: number;
  liveHeapMb: number;
  externalMb: number;
}

function statusOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)![1]);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** How long the process's main thread has waited for a CPU while runnable, ms (/proc/<pid>/schedstat). */
function runQueueWaitMsOf(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
}

/** CPU time so far, ms (utime + stime, fields 14 and 15 of /proc/<pid>/stat, 100 ticks a second). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function sample(holder: Role): Promise<Sample> {
  const { rssMb, peakMb } = statusOf(holder.proc.pid!);
  const m = await holder.ask<{ heapUsed: number; liveHeap: number; external: number }>({ cmd: 'memory' });
  const mb = (b: number) => b / 1024 / 1024;
  return { rssMb, peakMb, heapUsedMb: mb(m.heapUsed), liveHeapMb: mb(m.liveHeap), externalMb: mb(m.external) };
}

type Row = Record<string, string | number>;

interface Run {
  mode: Mode;
  hosts: number;
  base: Sample;
  idle: Sample;
  beating: Sample;
  connectS: number;
  connectCpuMsPerHost: number;
  /** poll: hosts whose first call (connection included) missed the deadline */
  missedFirst: number;
  cores: number;
  heardPerS: number;
  failed: number;
  maxRoundMs: number | undefined;
  detectMaxS: number | undefined;
  detectOk: boolean | undefined;
  falseDead: number;
  /** calls that failed, and the longest poll round, while the killed hosts were being detected */
  killFailed: number;
  killMaxRoundMs: number | undefined;
  killLoopMaxMs: number | undefined;
  /** how long after a host went silent the monitor still handled a heartbeat of its (its backlog) */
  heardAfterKillS: number | undefined;
  /** the share of the beating window the measured process's main thread waited for a CPU */
  runQueueWait: number;
  loopP99Ms: number;
  loopMaxMs: number;
  peersRssMb: number;
}

interface Options {
  measureS: number;
  intervalMs: number;
  domains: number;
  peers: number;
  kill: number;
  deadAfterMs: number;
  channelOptions: string;
  port: number;
  /** node flags for the measured process, e.g. --trace-gc */
  holderFlags: string[];
  /** the measured process's nice value (negative: ahead of the machine's other work) */
  holderNice: number;
}

async function run(mode: Mode, n: number, o: Options): Promise<Run> {
  const common = [
    '--mode',
    mode,
    '--hosts',
    String(n),
    '--interval-ms',
    String(o.intervalMs),
    '--dead-after-ms',
    String(o.deadAfterMs),
  ];
  const holder = spawnRole(
    'holder',
    [...common, '--port', String(o.port), '--channel-options', o.channelOptions],
    ['--expose-gc', ...o.holderFlags],
  );
  const peers: { role: Role; from: number; to: number }[] = [];
  // a monitor with its CPU reserved, as in production, on a machine shared with other work
  if (o.holderNice) setPriority(holder.proc.pid!, o.holderNice);
  try {
    const { port } = await holder.ask<{ port: number }>({ cmd: 'start' });
    await sleep(1_000);
    const base = await sample(holder);
    const per = Math.ceil(n / o.peers);
    for (let from = 0; from < n; from += per) {
      const to = Math.min(n, from + per);
      peers.push({
        role: spawnRole('peers', [
          ...common,
          '--from',
          String(from),
          '--to',
          String(to),
          '--domains',
          String(o.domains),
        ]),
        from,
        to,
      });
    }
    await Promise.all(peers.map((p) => p.role.ask({ cmd: 'start', port: o.port })));

    // every host connects at once, as after a monitor restart
    const pid = holder.proc.pid!;
    let missedFirst = 0;
    const cpu0 = cpuMsOf(pid);
    const t0 = Date.now();
    if (mode.startsWith('poll')) {
      missedFirst = (await holder.ask<{ missedFirst: number }>({ cmd: 'connect' })).missedFirst;
    } else {
      await Promise.all(peers.map((p) => p.role.ask({ cmd: 'connect', port })));
    }
    const connectS = (Date.now() - t0) / 1000;
    const connectCpuMsPerHost = (cpuMsOf(pid) - cpu0) / n;
    const connected = await holder.ask<{ heardOnce: number }>({ cmd: 'stats' });
    if (connected.heardOnce !== n) throw new Error(`only ${connected.heardOnce} of ${n} hosts heard`);
    await sleep(SETTLE_MS);
    const idle = await sample(holder);

    // heartbeats every interval, measured after a first interval of warm-up
    await holder.ask({ cmd: 'beat' });
    await Promise.all(peers.map((p) => p.role.ask({ cmd: 'beat' })));
    await sleep(o.intervalMs);
    const s0 = await holder.ask<{ heard: number; failed: number }>({ cmd: 'stats' });
    const cpu1 = cpuMsOf(pid);
    const wait1 = runQueueWaitMsOf(pid);
    await holder.ask({ cmd: 'loop-delay' });
    const t1 = Date.now();
    await sleep(o.measureS * 1000);
    const cores = (cpuMsOf(pid) - cpu1) / (Date.now() - t1);
    const runQueueWait = (runQueueWaitMsOf(pid) - wait1) / (Date.now() - t1);
    const loop = await holder.ask<{ p99Ms: number; maxMs: number }>({ cmd: 'loop-delay' });
    const s1 = await holder.ask<{ heard: number; failed: number; rounds: number[] }>({ cmd: 'stats' });
    const heardPerS = (s1.heard - s0.heard) / ((Date.now() - t1) / 1000);
    const beating = await sample(holder);
    const peersRssMb = peers.reduce((sum, p) => sum + statusOf(p.role.proc.pid!).rssMb, 0);

    // some hosts go silent: each must be declared dead within the dead timeout + 2 s
    let detectMaxS: number | undefined;
    let detectOk: boolean | undefined;
    let falseDead = 0;
    let killFailed = 0;
    let killLoopMaxMs: number | undefined;
    let heardAfterKillS: number | undefined;
    let killMaxRoundMs: number | undefined;
    if (o.kill > 0) {
      const victims = Array.from({ length: Math.min(o.kill, n) }, (_, k) => Math.floor(((k + 0.5) * n) / o.kill));
      const killedAt = new Map<number, number>();
      await Promise.all(
        peers.map(async (p) => {
          const mine = victims.filter((v) => v >= p.from && v < p.to);
          if (!mine.length) return;
          const { at } = await p.role.ask<{ at: number }>({ cmd: 'kill', hosts: mine });
          for (const v of mine) killedAt.set(v, at);
        }),
      );
      const limitMs = o.deadAfterMs + 2_000;
      await sleep(limitMs + 1_000);
      const { declared, lastHeard } = await holder.ask<{ declared: [number, number][]; lastHeard: number[] }>({
        cmd: 'declared',
        hosts: victims,
      });
      // a report from a silenced host handled after it went silent: the monitor was behind by that much
      heardAfterKillS = Math.max(0, ...victims.map((v, k) => (lastHeard[k]! - killedAt.get(v)!) / 1000));
      killLoopMaxMs = (await holder.ask<{ maxMs: number }>({ cmd: 'loop-delay' })).maxMs;
      const s2 = await holder.ask<{ failed: number; rounds: number[] }>({ cmd: 'stats' });
      killFailed = s2.failed - s1.failed;
      killMaxRoundMs = s2.rounds.length > s1.rounds.length ? Math.max(...s2.rounds.slice(s1.rounds.length)) : undefined;
      const when = new Map(declared);
      // a host declared dead before it was killed is a false positive too (the monitor fell behind)
      falseDead = declared.filter(([i, at]) => !killedAt.has(i) || at < killedAt.get(i)!).length;
      const lags = victims.map((v) => (when.has(v) ? when.get(v)! - killedAt.get(v)! : Infinity)).filter((l) => l >= 0);
      // a victim never declared counts as Infinity (printed as 'never')
      detectMaxS = lags.length ? Math.max(...lags) / 1000 : NaN;
      detectOk = lags.length > 0 && lags.every((l) => l <= limitMs);
    }
    return {
      mode,
      hosts: n,
      base,
      idle,
      beating,
      connectS,
      connectCpuMsPerHost,
      missedFirst,
      cores,
      heardPerS,
      failed: s1.failed - s0.failed,
      maxRoundMs: s1.rounds.length ? Math.max(...s1.rounds) : undefined,
      detectMaxS,
      detectOk,
      falseDead,
      killFailed,
      killMaxRoundMs,
      killLoopMaxMs,
      heardAfterKillS,
      runQueueWait,
      loopP99Ms: loop.p99Ms,
      loopMaxMs: loop.maxMs,
      peersRssMb,
    };
  } finally {
    await holder.ask({ cmd: 'stop' }).catch(() => undefined);
    for (const p of peers) p.role.proc.kill('SIGKILL');
    holder.proc.kill('SIGKILL');
    await Promise.all([holder.exited, ...peers.map((p) => p.role.exited)]);
  }
}

const perHostKb = (mb: number, baseMb: number, n: number) => round(((mb - baseMb) * 1024) / n);

function rowOf(r: Run): Row {
  return {
    mode: r.mode,
    hosts: r.hosts,
    base_rss_mb: round(r.base.rssMb),
    idle_rss_mb: round(r.idle.rssMb),
    rss_mb: round(r.beating.rssMb),
    peak_mb: round(r.beating.peakMb),
    rss_per_host_kb: perHostKb(r.beating.rssMb, r.base.rssMb, r.hosts),
    idle_per_host_kb: perHostKb(r.idle.rssMb, r.base.rssMb, r.hosts),
    heap_mb: round(r.beating.heapUsedMb),
    live_heap_per_host_kb: perHostKb(r.beating.liveHeapMb, r.base.liveHeapMb, r.hosts),
    external_mb: round(r.beating.externalMb),
    cpu_cores: round(r.cores, 3),
    cpu_ms_per_beat: round((r.cores * 1000) / r.heardPerS, 3),
    runq_wait_pct: round(r.runQueueWait * 100),
    loop_delay_p99_ms: round(r.loopP99Ms),
    loop_delay_max_ms: round(r.loopMaxMs),
    beats_per_s: Math.round(r.heardPerS),
    failed: r.failed,
    max_round_ms: r.maxRoundMs ?? '',
    connect_s: round(r.connectS),
    connect_cpu_ms_per_host: round(r.connectCpuMsPerHost, 2),
    first_call_missed: r.missedFirst,
    dead_detect_max_s:
      r.detectMaxS === undefined
        ? ''
        : Number.isNaN(r.detectMaxS)
          ? 'n/a'
          : Number.isFinite(r.detectMaxS)
            ? round(r.detectMaxS)
            : 'never',
    // yes: every silenced host declared dead within dead timeout + 2 s, and no other host at all
    dead_within_limit: r.detectOk === undefined ? '' : r.detectOk && !r.falseDead ? 'yes' : 'NO',
    false_dead: r.falseDead,
    kill_phase_failed: r.killFailed,
    kill_phase_max_round_ms: r.killMaxRoundMs ?? '',
    kill_phase_loop_delay_max_ms: r.killLoopMaxMs === undefined ? '' : round(r.killLoopMaxMs),
    heard_after_silenced_s: r.heardAfterKillS === undefined ? '' : round(r.heardAfterKillS),
    agents_rss_mb: Math.round(r.peersRssMb),
  };
}

/** Per mode: the cost per host from the slope between the smallest and the largest run, and what fits under 400 MB. */
function summaryOf(runs: Run[]): Row[] {
  const rows: Row[] = [];
  for (const mode of MODES) {
    const mine = runs.filter((r) => r.mode === mode).sort((a, b) => a.hosts - b.hosts);
    if (mine.length < 2) continue;
    const [a, b] = [mine[0]!, mine[mine.length - 1]!];
    const slopeKb = ((b.beating.rssMb - a.beating.rssMb) * 1024) / (b.hosts - a.hosts);
    const fixedMb = a.beating.rssMb - (slopeKb * a.hosts) / 1024;
    const perReplica = Math.floor(((GOAL_MB - fixedMb) * 1024) / slopeKb);
    rows.push({
      mode: `${mode} (slope)`,
      hosts: `${a.hosts}..${b.hosts}`,
      rss_per_host_kb: round(slopeKb),
      base_rss_mb: round(fixedMb),
      rss_mb: `${round(fixedMb + (slopeKb * 10_000) / 1024)} at 10000`,
      hosts_per_400mb_replica: perReplica,
      replicas_for_10000: Math.ceil(10_000 / perReplica),
    });
  }
  return rows;
}

async function main(): Promise<void> {
  const role = argText('role', 'bench');
  if (role === 'issue') return issueRole();
  if (role === 'holder') return holderRole();
  if (role === 'peers') return peersRole();
  const sizes = argText('hosts', '1000,5000,10000').split(',').map(Number);
  const modes = argText('mode', MODES.join(',')).split(',') as Mode[];
  for (const m of modes) if (!MODES.includes(m)) throw new Error(`unknown mode ${m} (${MODES.join(', ')})`);
  const o: Options = {
    measureS: argNum('measure-s', 30),
    intervalMs: argNum('interval-ms', 2_000),
    domains: argNum('domains', 10),
    peers: argNum('peers', 4),
    kill: argNum('kill', 10),
    deadAfterMs: argNum('dead-after-ms', 20_000),
    channelOptions: argText('channel-options', '{}'),
    port: argNum('port', 17_443),
    holderFlags: argText('holder-flags', '').split(' ').filter(Boolean),
    holderNice: argNum('holder-nice', 0),
  };
  await ensureIdentities(Math.max(...sizes));
  process.env[SECRET_ENV] ??= randomBytes(32).toString('hex');
  const runs: Run[] = [];
  for (const n of sizes) {
    for (const mode of modes) {
      console.error(`${mode} at ${n} hosts...`);
      const r = await run(mode, n, o);
      console.error(JSON.stringify(rowOf(r)));
      runs.push(r);
    }
  }
  const sizes0 = {
    report_bytes: encodeResponse(heartbeatResponse(randomUUID(), o.domains)).length,
    lease_bytes: encodeRequest(LEASE).length,
  };
  report('heartbeat-transport', [...runs.map(rowOf), ...summaryOf(runs)], {
    ...o,
    ...sizes0,
    leanChannelOptions: LEAN_CHANNEL_OPTIONS,
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
