import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  createAgentClient,
  simControl,
  type AgentClient,
  type SimControl,
  type TlsIdentity,
} from '@xenplane/agent-client';
import { type CertificateAuthority, createKeyAndCsr, loadOrCreateCa } from '@xenplane/pki';
import { entryPoint } from '../cloud/dist';
import { ManagedProcess } from '../cloud/managed-process';
import { freePort } from '../cloud/ports';
import { waitFor } from '../cloud/wait';

export interface StandaloneAgentOptions {
  /** extra AGENT_* / SIM_* settings */
  env?: Record<string, string>;
  /** default deadline of the client's calls */
  deadlineMs?: number;
  /** the CA's directory, to enroll several agents under one CA (hosts that talk to each other) */
  caDir?: string;
  /** the enrolled certificate's lifetime (default the CA's 365 days): short, for renewal tests */
  certDays?: number;
}

/**
 * One host agent as its own process, without a control plane: the test plays the control
 * plane, with a CA of its own that enrolled the host (identity written to the agent's state
 * directory, as enrollment would) and a client identity from the same CA.
 */
export class StandaloneAgent {
  readonly hostId = randomUUID();
  readonly dir = mkdtempSync(join(tmpdir(), 'xenplane-agent-'));
  readonly stateDir = join(this.dir, 'state');
  process?: ManagedProcess;
  address = '';
  ca?: CertificateAuthority;
  controlPlane?: TlsIdentity;
  private clients: { close(): void }[] = [];

  constructor(private readonly opts: StandaloneAgentOptions = {}) {}

  async start(): Promise<this> {
    this.ca = await loadOrCreateCa(this.opts.caDir ?? join(this.dir, 'ca'));
    if (!this.address) {
      const port = await freePort();
      this.address = `127.0.0.1:${port}`;
      await this.enroll(port);
      this.controlPlane = { caCertPem: this.ca.caCertPem, ...(await this.ca.issueControlPlaneIdentity('test')) };
    }
    this.process = new ManagedProcess({
      name: 'agent',
      command: process.execPath,
      args: [entryPoint('host-agent')],
      cwd: this.dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        AGENT_DRIVER: 'sim',
        AGENT_STATE_DIR: this.stateDir,
        AGENT_PORT: this.address.split(':')[1]!,
        AGENT_TEST_CONTROLS: 'true',
        LOG_LEVEL: 'debug',
        ...this.opts.env,
      },
      logFile: join(this.dir, 'agent.log'),
    }).start();
    const probe = this.client(2_000);
    await waitFor('the agent to answer', () => probe.getHostInfo({}).then(() => true), { timeoutMs: 20_000 });
    return this;
  }

  /** A client of the HostAgent service with the control plane's identity (or another). */
  client(deadlineMs = this.opts.deadlineMs ?? 10_000, identity: TlsIdentity = this.controlPlane!): AgentClient {
    const c = createAgentClient(this.address, this.hostId, identity, deadlineMs);
    this.clients.push(c);
    return c;
  }

  sim(): SimControl {
    const c = simControl(this.address, this.hostId, this.controlPlane!);
    this.clients.push(c);
    return c;
  }

  /** A host identity of this CA (another enrolled host), e.g. to prove hosts cannot command. */
  async hostIdentity(hostId = randomUUID()): Promise<TlsIdentity> {
    const { keyPem, csrPem } = await createKeyAndCsr('other-host');
    const issued = await this.ca!.signHostCsr(csrPem, { hostId, address: '127.0.0.1:1' });
    return { caCertPem: this.ca!.caCertPem, certPem: issued.certPem, keyPem };
  }

  async stop(): Promise<void> {
    for (const c of this.clients.splice(0)) c.close();
    await this.process?.stop();
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  log(): string {
    return this.process?.output() ?? '';
  }

  private async enroll(port: number): Promise<void> {
    const { keyPem, csrPem } = await createKeyAndCsr('standalone');
    const issued = await this.ca!.signHostCsr(csrPem, {
      hostId: this.hostId,
      address: `127.0.0.1:${port}`,
      ...(this.opts.certDays === undefined ? {} : { days: this.opts.certDays }),
    });
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    const identity = {
      hostId: this.hostId,
      poolId: randomUUID(),
      name: 'standalone',
      address: `127.0.0.1:${port}`,
      caCertPem: this.ca!.caCertPem,
      certPem: issued.certPem,
      keyPem,
    };
    writeFileSync(join(this.stateDir, 'identity.json'), JSON.stringify(identity), { mode: 0o600 });
  }
}
