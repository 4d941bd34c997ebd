import type { ServerWritableStream } from '@grpc/grpc-js';
import {
  type DomainEvent,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type HostAgentServer,
  type HostInfo,
  type ImageChunk,
  type ImageRef,
  type WatchEventsRequest,
} from '@xenplane/proto';
import type { CallContext, HypervisorDriver } from '../drivers/driver';
import { AgentError, toServiceError } from '../errors';
import type { EventLog } from '../host/event-log';
import type { FenceLease } from '../host/fence';
import type { KeyedMutex } from '../host/keyed-mutex';
import { authorize, callContext, clientStreaming, unary, unaryFromPeer, type UnaryOptions } from './call-guard';
import type { PeerQuorum } from '../host/peer-quorum';
import type { MigrationService } from './migration.service';
import type { ImageCache } from '../storage/image-cache';
import type { CertificateRenewal } from '../identity/certificate-renewal';

export interface HostAgentDeps {
  hostId: () => string;
  /** the host's name (the `host` label of its metrics) */
  hostName: string;
  /** where its pool peers reach this agent */
  peerAddress: string;
  agentVersion: string;
  driver: HypervisorDriver;
  events: EventLog;
  fence: FenceLease;
  quorum: PeerQuorum;
  perVm: KeyedMutex;
  migration: MigrationService;
  /** the images this host keeps (PutImage, GetImage) */
  images: ImageCache;
  /** certificate renewal: a new key's CSR, then the certificate the CA signed for it */
  certificates: CertificateRenewal;
  blackHole: (ctx: CallContext) => Promise<void>;
}

/** The HostAgent gRPC service: every command is serialized per VM and honours the caller's deadline. */
export function hostAgentService(d: HostAgentDeps): HostAgentServer {
  const cp = (method: string): UnaryOptions => ({
    method,
    host: d.hostName,
    allowed: ['control-plane'],
    blackHole: d.blackHole,
  });
  // The driver's answer is a fresh object: the agent's fields are added to it. Spreading it into
  // a literal with more fields allocates ~1.7 KB in V8's old generation each time (node 20), on
  // every heartbeat: garbage only a major GC frees.
  const info = async (ctx: CallContext): Promise<HostInfo> =>
    Object.assign(await d.driver.hostInfo(ctx), {
      hostId: d.hostId(),
      agentVersion: d.agentVersion,
      driver: d.driver.name,
      peerAddress: d.peerAddress,
    });
  const perVm = <T>(vmId: string, work: () => Promise<T>) => {
    if (!vmId) throw new AgentError('invalid_argument', 'vm_id is required');
    return d.perVm.run(vmId, work);
  };

  return {
    getHostInfo: unary(cp('GetHostInfo'), (_req, ctx) => info(ctx)),
    heartbeat: unary(cp('Heartbeat'), async (req: HeartbeatRequest, ctx): Promise<HeartbeatResponse> => {
      d.quorum.update(req);
      const fenced = d.fence.renew(req.fenceTimeoutMs || req.fenceTimeoutSeconds * 1000, req.protectedVmIds);
      return { info: await info(ctx), domains: await d.driver.listDomains(ctx), eventSeq: d.events.lastSeq, fenced };
    }),
    listDomains: unary(cp('ListDomains'), async (_req, ctx) => ({ domains: await d.driver.listDomains(ctx) })),
    getDomain: unary(cp('GetDomain'), (req, ctx) => d.driver.getDomain(req.vmId, ctx)),
    createDomain: unary(cp('CreateDomain'), (req, ctx) => {
      if (!req.spec) throw new AgentError('invalid_argument', 'spec is required');
      const spec = req.spec;
      return perVm(spec.vmId, () => d.driver.createDomain(spec, req.startPaused, ctx));
    }),
    shutdownDomain: unary(cp('ShutdownDomain'), (req, ctx) =>
      perVm(req.vmId, () => d.driver.shutdownDomain(req.vmId, req.timeoutSeconds, req.forceAfterTimeout, ctx)),
    ),
    destroyDomain: unary(cp('DestroyDomain'), (req, ctx) =>
      perVm(req.vmId, () => d.driver.destroyDomain(req.vmId, ctx, req.purgeStorage)),
    ),
    rebootDomain: unary(cp('RebootDomain'), (req, ctx) => perVm(req.vmId, () => d.driver.rebootDomain(req.vmId, ctx))),
    pauseDomain: unary(cp('PauseDomain'), (req, ctx) => perVm(req.vmId, () => d.driver.pauseDomain(req.vmId, ctx))),
    unpauseDomain: unary(cp('UnpauseDomain'), (req, ctx) =>
      perVm(req.vmId, () => d.driver.unpauseDomain(req.vmId, ctx)),
    ),
    setMemory: unary(cp('SetMemory'), (req, ctx) =>
      perVm(req.vmId, () => d.driver.setMemory(req.vmId, req.memoryMb, ctx)),
    ),
    setVcpus: unary(cp('SetVcpus'), (req, ctx) => perVm(req.vmId, () => d.driver.setVcpus(req.vmId, req.vcpus, ctx))),
    pinVcpu: unary(cp('PinVcpu'), (req, ctx) =>
      perVm(req.vmId, () => d.driver.pinVcpu(req.vmId, req.vcpu, req.cpus, ctx)),
    ),
    saveDomain: unary(cp('SaveDomain'), (req, ctx) =>
      perVm(req.vmId, () => d.driver.saveDomain(req.vmId, safeName(req.name || req.vmId), ctx)),
    ),
    restoreDomain: unary(cp('RestoreDomain'), (req, ctx) =>
      perVm(req.vmId, () => d.driver.restoreDomain(req.vmId, safeName(req.name || req.vmId), ctx)),
    ),
    migrateDomain: unary(cp('MigrateDomain'), (req, ctx) => perVm(req.vmId, () => d.migration.migrateOut(req, ctx))),
    receiveMigration: (call) => d.migration.receive(call),
    prepareIncomingMigration: unary(cp('PrepareIncomingMigration'), (req, ctx) => {
      if (!req.spec) throw new AgentError('invalid_argument', 'spec is required');
      const spec = req.spec;
      return perVm(spec.vmId, () => d.driver.prepareIncoming(spec, ctx));
    }),
    getConsoleLog: unary(cp('GetConsoleLog'), async (req, ctx) => d.driver.consoleLog(req.vmId, req.maxBytes, ctx)),
    // a pool peer's "do you hear me?": who asks is the host its certificate names
    ping: unaryFromPeer(
      { method: 'Ping', host: d.hostName, allowed: ['host'], blackHole: d.blackHole },
      async (_req, _ctx, caller) => d.quorum.pinged(caller.kind === 'host' ? caller.hostId : ''),
    ),
    probeHost: unary(cp('ProbeHost'), async (req) => {
      if (!req.host?.hostId || !req.host.address) throw new AgentError('invalid_argument', 'host is required');
      const { reachable, lastContactAgoMs } = await d.quorum.probe(
        req.host,
        Math.max(100, req.timeoutMs),
        req.condemnForMs,
      );
      return { reachable, lastContactAgoMs };
    }),
    putImage: clientStreaming(cp('PutImage'), (stream: AsyncIterable<ImageChunk>) => d.images.put(stream)),
    getImage: unary(cp('GetImage'), (req: ImageRef) => d.images.get(req.imageId)),
    snapshotDisks: unary(cp('SnapshotDisks'), (req, ctx) =>
      perVm(req.vmId, () => d.driver.storage.snapshot(req.vmId, req.snapshotId, ctx)),
    ),
    revertDisks: unary(cp('RevertDisks'), (req, ctx) =>
      perVm(req.vmId, () => d.driver.storage.revert(req.vmId, req.snapshotId, ctx)),
    ),
    deleteSnapshot: unary(cp('DeleteSnapshot'), (req) =>
      perVm(req.vmId, async () => d.driver.storage.deleteSnapshot(req.vmId, req.snapshotId)),
    ),
    // both VMs held (in id order: two crossed clones never wait on each other): the source must
    // not start, nor the target be made, while the files are copied
    cloneDisks: unary(cp('CloneDisks'), (req, ctx) => {
      if (req.sourceVmId === req.targetVmId)
        throw new AgentError('invalid_argument', 'target_vm_id must differ from source_vm_id');
      const [first, second] = [req.sourceVmId, req.targetVmId].sort();
      return perVm(first!, () => perVm(second!, () => d.driver.storage.clone(req.sourceVmId, req.targetVmId, ctx)));
    }),
    listStorage: unary(cp('ListStorage'), async (req, ctx) => ({
      items: await d.driver.storage.list(req.vmId || undefined, ctx),
    })),
    requestCertificateRenewal: unary(cp('RequestCertificateRenewal'), async () => ({
      csrPem: await d.certificates.request(),
    })),
    installCertificate: unary(cp('InstallCertificate'), async (req) => {
      const { serial, notAfter } = d.certificates.install(req.certificatePem);
      return { serial, notAfter };
    }),
    watchEvents: (call: ServerWritableStream<WatchEventsRequest, DomainEvent>) => {
      const ctx = callContext(call);
      try {
        authorize(call, ['control-plane']);
      } catch (err) {
        ctx.done();
        call.destroy(Object.assign(new Error(toServiceError(err).details), toServiceError(err)));
        return;
      }
      const since = call.request.sinceSeq;
      if (since > 0) for (const e of d.events.since(since)) call.write(e);
      const stop = d.events.watch((e) => call.write(e));
      call.on('cancelled', () => {
        stop();
        ctx.done();
      });
    },
  };
}

/** Save images are named by the caller but live in the agent's own directory: a plain name only. */
function safeName(name: string): string {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(name) || name.startsWith('.'))
    throw new AgentError('invalid_argument', 'name must be a plain file name');
  return name;
}
