import { Server } from '@grpc/grpc-js';
import { getLogger, type Logger } from '@xenplane/observability';
import { DomainEventType, FaultKind, HostAgentService, SimControlService } from '@xenplane/proto';
import type { CallContext, HypervisorDriver } from '../drivers/driver';
import type { SimDriver } from '../drivers/sim/sim-driver';
import { SimMigration } from '../drivers/sim/sim-migration';
import { MigrationTickets } from './migration-tickets';
import type { HostIdentity } from '../enrollment/enrollment';
import { CertificateRenewal } from '../identity/certificate-renewal';
import { widenReceiveWindow } from '../server/receive-window';
import { ServedCredentials } from '../identity/served-credentials';
import { HealthService, healthService, ServingStatus } from '../server/health.service';
import { hostAgentService } from '../server/host-agent.service';
import { countDomains } from '../metrics';
import { ImageCache } from '../storage/image-cache';
import type { MigrationService } from '../server/migration.service';
import { simControlService } from '../server/sim-control.service';
import { sleep } from './abortable';
import { EventLog } from './event-log';
import { FenceLease } from './fence';
import { KeyedMutex } from './keyed-mutex';
import { PeerAgents } from './peer-agents';
import { PeerQuorum } from './peer-quorum';

export const AGENT_VERSION = '0.1.0';
const FENCE_PARALLEL = 8;
const WATCHDOG_KICK_MS = 250;
// a scrape's look at the host's domains: a hypervisor slower than this leaves the count out
const SCRAPE_LIST_MS = 2_000;

export interface AgentHostOptions {
  identity: HostIdentity;
  /** where its identity file is kept (rewritten when its certificate is renewed) */
  stateDir: string;
  /** where its pool peers reach it (default: the address it enrolled with) */
  peerAddress?: string;
  driver: HypervisorDriver;
  listenHost: string;
  port: number;
  /** the simulated host behind the driver, when it is one (faults, migration, test controls) */
  sim?: SimDriver;
  testControls: boolean;
  /** stop HA-protected domains when cut off (docs/HA.md); off only in tests of what happens without */
  selfFence: boolean;
  /** the driver's migration, given this host's client to its peers and its ticket check (default: the sim's, if any) */
  migration?: (peers: PeerAgents, tickets: MigrationTickets) => MigrationService;
}

/**
 * One Xen host as the network sees it: its driver behind the HostAgent service, served with
 * mutual TLS under the certificate the control plane's CA gave it. A fleet runs many.
 */
export class AgentHost {
  readonly events = new EventLog();
  private readonly server = new Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
  private readonly fence: FenceLease;
  private readonly peers: PeerAgents;
  private readonly quorum: PeerQuorum;
  private readonly log: Logger;
  private readonly served: ServedCredentials;
  private serving = ServingStatus.SERVING;
  private watchdog?: NodeJS.Timeout;
  private uncount?: () => void;

  constructor(private readonly o: AgentHostOptions) {
    this.log = getLogger('agent-host').child({ hostId: o.identity.hostId, host: o.identity.name });
    this.peers = new PeerAgents(o.identity);
    this.served = new ServedCredentials(o.identity);
    // a renewed certificate serves new connections, and is the one this host shows its peers
    const certificates = new CertificateRenewal(o.identity, {
      stateDir: o.stateDir,
      serve: (identity) => {
        this.served.replace(identity);
        this.peers.useIdentity(identity);
      },
    });
    this.quorum = new PeerQuorum(this.peers);
    o.driver.onEvent((e) => this.events.append(e));
    const quorum = this.quorum;
    this.fence = new FenceLease(
      o.selfFence,
      async (vmIds) => {
        // a few at a time: the fence must be over before the control plane's dead timeout runs out
        for (let i = 0; i < vmIds.length; i += FENCE_PARALLEL) {
          await Promise.all(
            vmIds.slice(i, i + FENCE_PARALLEL).map(async (vmId) => {
              const { existed } = await o.driver.destroyDomain(vmId, { signal: AbortSignal.timeout(60_000) });
              if (existed)
                this.events.append({
                  vmId,
                  domId: 0,
                  type: DomainEventType.DOMAIN_EVENT_TYPE_FENCED,
                  reason: 'fence timeout',
                });
            }),
          );
        }
      },
      {
        keeps: () => quorum.keeps(),
        get recheckMs() {
          return quorum.recheckMs;
        },
      },
    );
    const tickets = new MigrationTickets(o.identity);
    const migration =
      o.migration?.(this.peers, tickets) ?? (o.sim ? new SimMigration(o.sim, this.peers, tickets) : undefined);
    this.server.addService(
      HostAgentService,
      hostAgentService({
        hostId: () => o.identity.hostId,
        hostName: o.identity.name,
        peerAddress: o.peerAddress ?? o.identity.address,
        agentVersion: AGENT_VERSION,
        driver: o.driver,
        events: this.events,
        fence: this.fence,
        quorum: this.quorum,
        perVm: new KeyedMutex(),
        migration: migration ?? unsupportedMigration,
        // beside the disks cloned from them, in the driver's storage layout (images/<id>.raw)
        images: new ImageCache(o.driver.storage.layout.workDir),
        certificates,
        blackHole: (ctx) => this.blackHole(ctx),
      }),
    );
    this.server.addService(
      HealthService,
      healthService(() => this.serving),
    );
    if (o.testControls && o.sim) {
      const sim = o.sim;
      this.server.addService(
        SimControlService,
        simControlService(sim, () => sim.die()),
      );
    }
  }

  get address(): string {
    return this.o.identity.address;
  }

  async start(): Promise<void> {
    // no client certificate of our CA, no conversation; the certificate served can be renewed in place
    const creds = this.served.credentials();
    const widenSessions = widenReceiveWindow(this.server);
    await new Promise<void>((resolve, reject) =>
      this.server.bindAsync(`${this.o.listenHost}:${this.o.port}`, creds, (err) => (err ? reject(err) : resolve())),
    );
    widenSessions();
    this.log.info({ address: this.address, driver: this.o.driver.name }, 'agent ready');
    const driver = this.o.driver;
    this.uncount = countDomains(
      this.o.identity.name,
      async () => (await driver.listDomains({ signal: AbortSignal.timeout(SCRAPE_LIST_MS) })).length,
    );
    // a simulated host resets itself when its agent is gone for the fence timeout (SimDriver.restore)
    const sim = this.o.sim;
    if (sim) {
      const kick = () => sim.kickWatchdog(this.o.selfFence ? this.fence.timeoutMs : 0);
      kick();
      this.watchdog = setInterval(kick, WATCHDOG_KICK_MS);
      this.watchdog.unref();
    }
  }

  /** Stops taking calls, lets in-flight ones finish within graceMs, then cuts the rest. */
  async stop(graceMs: number): Promise<void> {
    this.serving = ServingStatus.NOT_SERVING;
    this.fence.stop();
    this.uncount?.();
    clearInterval(this.watchdog);
    // a clean stop disarms the watchdog: the host itself stays up
    this.o.sim?.kickWatchdog(0);
    this.peers.close();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** A dead or cut-off simulated host answers nothing: the call waits until its deadline. */
  private async blackHole(ctx: CallContext): Promise<void> {
    const sim = this.o.sim;
    if (!sim) return;
    while (sim.faults.active(FaultKind.FAULT_KIND_HOST_DEAD) || sim.faults.active(FaultKind.FAULT_KIND_HOST_CUT_OFF)) {
      await sleep(50, ctx.signal);
    }
  }
}

const unsupportedMigration: MigrationService = {
  migrateOut: async () => {
    throw new Error('this driver cannot migrate');
  },
  receive: (call) => call.destroy(new Error('this driver cannot receive migrations')),
};
