import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type CutMode, TcpProxy } from '../net/tcp-proxy';
import type { ApiClient } from './api-client';
import type { ManagedProcess } from './managed-process';
import { acceptsConnections, freePort } from './ports';
import { StopWaiting, waitFor } from './wait';

/** Which of a host's network links: to the control plane, to its pool peers, or both. */
export type HostLink = 'control-plane' | 'peers' | 'all';

export interface AddHostOptions {
  /** the pool it enrolls into (default: the default pool) */
  poolId?: string;
  /** agent settings on top of the cloud's agentEnv; they cannot change the wiring (name, port, state dir, addresses, token) */
  env?: Record<string, string>;
  /** how long to wait for the host to be up (default 60 s) */
  timeoutMs?: number;
}

/** What a host process needs of its cloud. */
export interface HostProcessContext {
  api: ApiClient;
  /** each host's state directory is <hostsDir>/<name> */
  hostsDir: string;
  agentEnv: Record<string, string>;
  /** a host-agent process of the cloud (its env on top of the cloud's, its log with the others) */
  spawn(processName: string, env: Record<string, string>): ManagedProcess;
  /** a one-time token for this host name, for poolId or the default pool */
  enrollmentToken(hostName: string, poolId?: string): Promise<string>;
}

interface ApiHost {
  id: string;
  name: string;
  state: string;
  lastHeartbeatAt?: string;
}

/**
 * One simulated Xen host in its own agent process, as a machine of its own: it can be killed
 * (SIGKILL) and restarted while the others live, and its network cut. The agent listens on a
 * fixed port on 127.0.0.1 that two TcpProxy links forward to: controlPlaneLink is the address
 * it advertises to the control plane, peerLink the one it advertises to its pool peers
 * (AGENT_PEER_ADVERTISE_ADDRESS). Cutting a link is a partition on that path only.
 * Made by Cloud.addHost; Cloud.stop() ends it.
 */
export class HostProcess {
  private hostId?: string;

  private constructor(
    readonly name: string,
    readonly process: ManagedProcess,
    readonly controlPlaneLink: TcpProxy,
    readonly peerLink: TcpProxy,
    /** the port the agent itself listens on, behind both links */
    readonly agentPort: number,
    readonly stateDir: string,
    private readonly api: ApiClient,
  ) {}

  /** Links, a token, the process started; not yet waited for (see waitUntilUp). */
  static async launch(ctx: HostProcessContext, name: string, opts: AddHostOptions = {}): Promise<HostProcess> {
    const stateDir = join(ctx.hostsDir, name);
    if (existsSync(join(stateDir, 'identity.json')))
      throw new Error(`host ${name} is already enrolled (${stateDir}): restart() its handle`);
    const agentPort = await freePort();
    const target = { host: '127.0.0.1', port: agentPort };
    const links: TcpProxy[] = [];
    try {
      links.push(await TcpProxy.start({ target }), await TcpProxy.start({ target }));
      const [controlPlaneLink, peerLink] = links as [TcpProxy, TcpProxy];
      const token = await ctx.enrollmentToken(name, opts.poolId);
      const process = ctx.spawn(`host-${name}`, {
        AGENT_DRIVER: 'sim',
        AGENT_TEST_CONTROLS: '1',
        ...ctx.agentEnv,
        ...opts.env,
        AGENT_FLEET_SIZE: '1',
        AGENT_NAME: name,
        AGENT_STATE_DIR: stateDir,
        AGENT_LISTEN_HOST: '127.0.0.1',
        // explicit, so a restart listens where the links point (a fleet's hosts keep theirs in <stateDir>/port)
        AGENT_PORT: String(agentPort),
        AGENT_ADVERTISE_ADDRESS: controlPlaneLink.address,
        AGENT_PEER_ADVERTISE_ADDRESS: peerLink.address,
        AGENT_CONTROL_PLANE_URL: ctx.api.baseUrl,
        AGENT_ENROLLMENT_TOKEN: token,
      });
      return new HostProcess(name, process.start(), controlPlaneLink, peerLink, agentPort, stateDir, ctx.api);
    } catch (err) {
      await Promise.all(links.map((l) => l.close()));
      throw err;
    }
  }

  /** The host's id, once it has enrolled and been seen up (addHost waits for that). */
  get id(): string {
    if (!this.hostId) throw new Error(`host ${this.name} has no id yet: it has not been seen up`);
    return this.hostId;
  }

  /** The agent itself, behind both links: for test controls that must work whatever is cut. */
  get agentAddress(): string {
    return `127.0.0.1:${this.agentPort}`;
  }

  /** Waits until GET /v1/hosts says the host is up; fails at once if its agent exits. */
  async waitUntilUp(timeoutMs = 60_000): Promise<void> {
    const host = await this.waitForHost('up', (h) => h.state === 'up', timeoutMs);
    this.hostId = host.id;
  }

  /** SIGKILL of the agent (and its process group), as a crash; resolves once it is gone. Xen, here its journal, lives on. */
  async kill(): Promise<void> {
    await this.process.kill();
  }

  /**
   * Starts the agent again on its state directory: the same identity (identity.json), the same
   * port, no new token. Resolves once it listens and, unless the control-plane link is cut (or
   * awaitHeartbeat is false), once the control plane has heard from the new process.
   */
  async restart(opts: { timeoutMs?: number; awaitHeartbeat?: boolean } = {}): Promise<void> {
    if (this.process.running) throw new Error(`the agent of ${this.name} is running: kill() it first`);
    if (!existsSync(join(this.stateDir, 'identity.json')))
      throw new Error(`host ${this.name} never enrolled: nothing to restart`);
    const timeoutMs = opts.timeoutMs ?? 60_000;
    // the token was spent at enrollment: the host is who identity.json says
    delete this.process.spec.env['AGENT_ENROLLMENT_TOKEN'];
    this.process.start();
    await waitFor(
      `the agent of ${this.name} listening on ${this.agentPort}`,
      async () => {
        this.assertRunning();
        return (await acceptsConnections(this.agentPort)) ? true : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
    if (!(opts.awaitHeartbeat ?? this.controlPlaneLink.mode === 'open')) return;
    // A heartbeat recorded after the agent listened may still be an answer of the old process
    // (a tick ends, and records its time, after its slowest host); the next tick began after
    // that one ended: its answer can only be the new process's.
    const first = await this.heartbeatAfter(Date.now(), timeoutMs);
    await this.heartbeatAfter(first, timeoutMs);
  }

  /** Cuts a link (default both) in 'drop' (a partition: calls hang) or 'refuse' (resets) mode. */
  cut(which: HostLink = 'all', mode: CutMode = 'drop'): void {
    for (const link of this.links(which)) link.cut(mode);
  }

  /** Heals a link (default both). */
  heal(which: HostLink = 'all'): void {
    for (const link of this.links(which)) link.heal();
  }

  /** Ends the agent and closes both links. */
  async stop(): Promise<void> {
    await this.process.stop();
    await Promise.all([this.controlPlaneLink.close(), this.peerLink.close()]);
  }

  private links(which: HostLink): TcpProxy[] {
    switch (which) {
      case 'control-plane':
        return [this.controlPlaneLink];
      case 'peers':
        return [this.peerLink];
      case 'all':
        return [this.controlPlaneLink, this.peerLink];
    }
  }

  private async heartbeatAfter(t: number, timeoutMs: number): Promise<number> {
    const host = await this.waitForHost(
      `a heartbeat after ${new Date(t).toISOString()}`,
      (h) => !!h.lastHeartbeatAt && Date.parse(h.lastHeartbeatAt) > t,
      timeoutMs,
    );
    return Date.parse(host.lastHeartbeatAt!);
  }

  private async waitForHost(what: string, ok: (h: ApiHost) => boolean, timeoutMs: number): Promise<ApiHost> {
    return waitFor(
      `host ${this.name}: ${what}`,
      async () => {
        this.assertRunning();
        const host = ((await this.api.get('/v1/hosts')).body.items as ApiHost[]).find((h) => h.name === this.name);
        return host && ok(host) ? host : undefined;
      },
      { timeoutMs },
    );
  }

  private assertRunning(): void {
    if (!this.process.running) throw new AgentExited(this.name, this.process.output());
  }
}

class AgentExited extends StopWaiting {
  constructor(name: string, output: string) {
    super(`the agent of ${name} exited: ${output.trim().split('\n').slice(-3).join(' | ')}`);
  }
}
