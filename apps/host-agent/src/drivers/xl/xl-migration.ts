import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { setTimeout as wait } from 'node:timers/promises';
import type { ClientDuplexStream, ServerDuplexStream } from '@grpc/grpc-js';
import { getLogger } from '@xenplane/observability';
import {
  DomainEventType,
  DomainState,
  type MigrateDomainRequest,
  type MigrateDomainResponse,
  type MigrationChunk,
} from '@xenplane/proto';
import { AgentError, toServiceError } from '../../errors';
import { aborted } from '../../host/abortable';
import { authorize } from '../../server/call-guard';
import type { MigrationService } from '../../server/migration.service';
import type { CallContext } from '../driver';
import { UUID } from '../spec-validation';
import type { XlCommand, XlStreamCommand } from './command';
import { firstChunk, pumpBytes, pumpChunks } from './migration-relay';
import { openTunnel, type TransportProgram } from './migration-tunnel';
import { diskPathsOf, parseXlListLong } from './parse-list';
import { domainName } from './xl-config';
import type { XlDriver } from './xl-driver';
import type { MigrationTickets } from '../../host/migration-tickets';
import { migrationFailure, xlFailure } from './xl-errors';

export interface XlMigrationOptions {
  driver: XlDriver;
  command: XlCommand & XlStreamCommand;
  peers: {
    receiveMigration(
      hostId: string,
      address: string,
      signal: AbortSignal,
    ): ClientDuplexStream<MigrationChunk, MigrationChunk>;
  };
  /** the target's check that the control plane asked for an incoming migration */
  tickets: Pick<MigrationTickets, 'admit'>;
  /** the agent's private directory for the transports' sockets */
  socketDir: string;
  transport: TransportProgram;
  /** how long the source waits for the target's answer once xl says the domain moved */
  answerTimeoutMs?: number;
}

/** What the source tells the target in the first chunk, beside the VM id and epoch. */
interface Offer {
  /** the owner had the guest paused: keep it paused on the target (`migrate-receive -p`) */
  paused: boolean;
  /**
   * the paths of the guest's disks on the source (its config's): `xl migrate` carries memory, not
   * disks, so the target must already have each of them (shared storage, or the same host)
   */
  disks: string[];
}

/** What the target answers in its last chunk. */
interface Landed {
  domId: number;
}

// Cleanup runs after the caller's deadline may have passed: it gets its own.
const cleanupContext = (): CallContext => ({ signal: AbortSignal.timeout(60_000) });

/**
 * Live migration with the real toolstack, carried by the agents' own mutual-TLS channel.
 * Source: `xl migrate -s <transport> <domain> <token>`, where the transport is the agent's
 * helper relaying xl's stream to a per-migration unix socket, and the agent relays that socket
 * into ReceiveMigration on the target agent. Target: `xl migrate-receive` fed from that stream.
 * live=false: xl has only live migration, so a cold one pauses the guest first (its memory is
 * then copied once, unchanging) and the target unpauses it: the downtime is the whole transfer.
 */
export class XlMigration implements MigrationService {
  private readonly log = getLogger('xl-migration');

  constructor(private readonly o: XlMigrationOptions) {}

  async migrateOut(req: MigrateDomainRequest, ctx: CallContext): Promise<MigrateDomainResponse> {
    if (!UUID.test(req.vmId)) throw new AgentError('invalid_argument', 'vm_id: must be a lowercase UUID');
    const { driver } = this.o;
    const dom = await driver.getDomain(req.vmId, ctx);
    const started = Date.now();
    const paused = dom.state === DomainState.DOMAIN_STATE_PAUSED;
    const disks = diskPathsOf(await driver.xl(['list', '-l'], ctx), req.vmId);
    const pausedByUs = !req.live && !paused;
    if (pausedByUs) await driver.xl(['pause', domainName(req.vmId)], ctx);
    try {
      const { domId, resumedAt } = await this.send(req, { paused, disks }, ctx);
      driver.announce(dom, DomainEventType.DOMAIN_EVENT_TYPE_MIGRATED_OUT, `to host ${req.targetHostId}`);
      await this.releaseDevices(req.vmId);
      const finished = Date.now();
      return {
        targetDomId: domId,
        transferSeconds: (finished - started) / 1000,
        downtimeMs: pausedByUs || paused ? finished - started : finished - (resumedAt ?? finished),
      };
    } catch (err) {
      await this.recoverSource(req.vmId, pausedByUs);
      throw err;
    }
  }

  /**
   * The guest runs on the target now: the devices its shared disks were mapped through here go
   * (its extents stay the VM's). Not when it moved to this same host: the new domain uses them.
   */
  private async releaseDevices(vmId: string): Promise<void> {
    const ctx = cleanupContext();
    try {
      if ((await this.domIdsOf(vmId, ctx)).size === 0) await this.o.driver.storage.devices.detach(vmId, ctx);
    } catch (err) {
      this.log.warn(
        { vmId, err: (err as Error).message },
        'could not release the devices of a domain that migrated away',
      );
    }
  }

  /** xl migrate through a fresh tunnel and the target's ReceiveMigration; both are gone when it returns. */
  private async send(
    req: MigrateDomainRequest,
    offer: Offer,
    ctx: CallContext,
  ): Promise<Landed & { resumedAt?: number }> {
    const epoch = req.epoch || this.o.driver.epochOf(req.vmId);
    const tunnel = await openTunnel(this.o.socketDir, this.o.transport);
    const stream = this.o.peers.receiveMigration(req.targetHostId, req.targetAddress, ctx.signal);
    stream.write({ vmId: req.vmId, epoch, data: Buffer.from(JSON.stringify(offer)), eof: false, ticket: req.ticket });
    const relay = relayToTarget(stream, tunnel.connection, req.vmId, epoch);
    try {
      const r = await this.o.command.run(['migrate', '-s', tunnel.transport, domainName(req.vmId), tunnel.token], {
        signal: ctx.signal,
      });
      if (ctx.signal.aborted) throw aborted(ctx.signal);
      if (r.code !== 0) throw migrationFailure(r, await relay.peerError());
      const landed = await relay.answer(this.o.answerTimeoutMs ?? 60_000, ctx.signal);
      const resumedAt = relay.resumedAt();
      return resumedAt === undefined ? landed : { ...landed, resumedAt };
    } catch (err) {
      stream.cancel();
      throw err;
    } finally {
      tunnel.close();
    }
  }

  receive(call: ServerDuplexStream<MigrationChunk, MigrationChunk>): void {
    const controller = new AbortController();
    call.on('cancelled', () => controller.abort(new DOMException('cancelled', 'AbortError')));
    call.on('error', () => controller.abort(new DOMException('cancelled', 'AbortError')));
    this.land(call, controller.signal).catch((err: unknown) => {
      const e = toServiceError(err);
      this.log.warn({ err: e.details }, 'incoming migration failed');
      // grpc-js ends a server stream with the status of an 'error' it sees (destroy() sends none)
      call.emit('error', Object.assign(new Error(e.details), e));
    });
  }

  private async land(call: ServerDuplexStream<MigrationChunk, MigrationChunk>, signal: AbortSignal): Promise<void> {
    const caller = authorize(call, ['host']);
    const first = await firstChunk(call, signal);
    this.o.tickets.admit(caller.kind === 'host' ? caller.hostId : '', first);
    if (!UUID.test(first.vmId)) throw new AgentError('invalid_argument', 'vm_id: must be a lowercase UUID');
    const offer = parseOffer(first.data);
    const { vmId, epoch } = first;
    const missing = offer.disks.filter((p) => !existsSync(p));
    if (missing.length)
      throw new AgentError(
        'failed_precondition',
        `the VM's disks are not on this host (${missing.join(', ')}): a live migration carries the guest's memory, not its local disks (docs/STORAGE.md)`,
      );
    const ctx: CallContext = { signal };
    const before = await this.domIdsOf(vmId, ctx);
    const xl = this.o.command.open(['migrate-receive', ...(offer.paused ? ['-p'] : [])], { signal });
    xl.stdin.on('error', () => undefined); // xl ended early: its exit code says why
    pumpChunks(call, xl.stdin, () => xl.stdin.end());
    call.on('end', () => xl.stdin.end());
    call.resume();
    pumpBytes(xl.stdout, call, (data) => ({ vmId, epoch, data, eof: false, ticket: '' }));
    const r = await xl.done; // after stdout ended: all xl said went out before our last word
    if (signal.aborted || r.code !== 0) {
      await this.removeIncoming(vmId, before);
      throw signal.aborted ? aborted(signal) : xlFailure(['migrate-receive'], r);
    }
    const dom = await this.o.driver.getDomain(vmId, ctx);
    this.o.driver.setEpoch(vmId, epoch);
    this.o.driver.announce({ ...dom, epoch }, DomainEventType.DOMAIN_EVENT_TYPE_MIGRATED_IN);
    const landed: Landed = { domId: dom.domId };
    call.write({ vmId, epoch, data: Buffer.from(JSON.stringify(landed)), eof: true, ticket: '' });
    call.end();
  }

  /** Domain ids of every domain with this VM's uuid, whatever it is named (xl renames in flight). */
  private async domIdsOf(vmId: string, ctx: CallContext): Promise<Set<number>> {
    const all = parseXlListLong(await this.o.driver.xl(['list', '-l'], ctx));
    return new Set(all.filter((d) => d.uuid === vmId).map((d) => d.domId));
  }

  /** A failed incoming migration leaves nothing: xl usually destroys its half-built domain; if not, we do. */
  private async removeIncoming(vmId: string, before: Set<number>): Promise<void> {
    const ctx = cleanupContext();
    try {
      for (const domId of await this.domIdsOf(vmId, ctx)) {
        if (before.has(domId)) continue;
        this.log.warn({ vmId, domId }, 'destroying the domain a failed incoming migration left');
        await this.o.driver.xl(['destroy', String(domId)], ctx);
      }
    } catch (err) {
      this.log.error({ vmId, err: (err as Error).message }, 'could not clean up after a failed incoming migration');
    }
  }

  /**
   * After a failed migration the guest must run here as before. xl resumes it and renames it
   * back itself when it sees the failure; a killed xl (cancelled call) may leave it renamed
   * "--migratedaway", and a cold migration leaves it paused by us.
   */
  private async recoverSource(vmId: string, pausedByUs: boolean): Promise<void> {
    const ctx = cleanupContext();
    const name = domainName(vmId);
    try {
      const mine = parseXlListLong(await this.o.driver.xl(['list', '-l'], ctx)).filter((d) => d.uuid === vmId);
      const away = mine.find((d) => d.name === `${name}--migratedaway`);
      if (away && !mine.some((d) => d.name === name)) await this.o.driver.xl(['rename', String(away.domId), name], ctx);
      if (pausedByUs && mine.length > 0) await this.o.driver.xl(['unpause', name], ctx);
    } catch (err) {
      this.log.error({ vmId, err: (err as Error).message }, 'could not restore the guest after a failed migration');
    }
  }
}

function parseOffer(data: Buffer): Offer {
  try {
    const o = JSON.parse(data.toString()) as Partial<Offer>;
    const disks = Array.isArray(o.disks) ? o.disks.filter((p): p is string => typeof p === 'string' && p !== '') : [];
    return { paused: o.paused === true, disks };
  } catch {
    throw new AgentError('invalid_argument', 'the first migration chunk must carry the offer');
  }
}

interface Relay {
  /** the target's last chunk: where the domain landed */
  answer(timeoutMs: number, signal: AbortSignal): Promise<Landed>;
  /** the error the target ended the stream with, if it did */
  peerError(): Promise<{ code: number; details: string } | undefined>;
  /** when the target first spoke after the memory started flowing: it holds the domain (lower bound of the downtime) */
  resumedAt(): number | undefined;
}

/** Source side: the transport's socket to and from the target's stream. */
function relayToTarget(
  stream: ClientDuplexStream<MigrationChunk, MigrationChunk>,
  connection: Promise<Socket>,
  vmId: string,
  epoch: number,
): Relay {
  let sent = false;
  let closed = false;
  let spokeAfterData: number | undefined;
  let landed: Landed | undefined;
  let failure: { code: number; details: string } | undefined;
  const settled = new Promise<void>((resolve) => {
    stream.on('error', (err: { code?: number; details?: string; message?: string }) => {
      closed = true;
      failure = { code: err.code ?? 2, details: err.details ?? err.message ?? String(err) };
      resolve();
    });
    stream.on('end', () => {
      closed = true;
      resolve();
    });
    stream.on('data', (chunk: MigrationChunk) => {
      if (chunk.eof) {
        landed = JSON.parse(chunk.data.toString()) as Landed;
        resolve();
      } else if (sent) spokeAfterData ??= Date.now();
    });
  });
  stream.pause(); // until the transport connects
  void connection.then(
    (socket) => {
      // the target is gone already: hang up, so xl sees its transport die instead of waiting
      if (closed) return void socket.destroy();
      socket.on('error', () => stream.cancel());
      pumpBytes(socket, stream, (data) => {
        sent = true;
        return { vmId, epoch, data, eof: false, ticket: '' };
      });
      socket.on('end', () => {
        stream.write({ vmId, epoch, data: Buffer.alloc(0), eof: true, ticket: '' });
        stream.end();
      });
      pumpChunks(stream, socket, () => socket.end());
      stream.on('end', () => socket.end());
      stream.on('error', () => socket.destroy());
      stream.resume();
    },
    () => undefined,
  );
  return {
    answer: async (timeoutMs, signal) => {
      // until the target speaks, the time is up or the call is cancelled, whichever comes first
      const done = new AbortController();
      const timeUp = wait(timeoutMs, undefined, { signal: AbortSignal.any([signal, done.signal]) }).catch(
        () => undefined,
      );
      await Promise.race([settled, timeUp]);
      done.abort();
      if (landed && Number.isInteger(landed.domId)) return landed;
      if (signal.aborted) throw aborted(signal);
      // xl says the domain moved, the target did not say where: the control plane must look
      throw new AgentError(
        'unavailable',
        `xl migrated the domain but the target did not report it${failure ? `: ${failure.details}` : ''}`,
      );
    },
    peerError: async () => {
      // the target's status trails xl's exit by a moment; a target that says nothing is not waited for
      await Promise.race([settled, wait(2_000, undefined, { ref: false })]);
      return failure;
    },
    resumedAt: () => spokeAfterData,
  };
}
