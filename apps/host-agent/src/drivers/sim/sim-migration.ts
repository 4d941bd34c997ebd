import type { ServerDuplexStream } from '@grpc/grpc-js';
import {
  DomainSpec,
  type MigrateDomainRequest,
  type MigrateDomainResponse,
  type MigrationChunk,
} from '@xenplane/proto';
import { getLogger } from '@xenplane/observability';
import { AgentError, toServiceError } from '../../errors';
import { sleep } from '../../host/abortable';
import type { MigrationTickets } from '../../host/migration-tickets';
import type { PeerAgents } from '../../host/peer-agents';
import { authorize } from '../../server/call-guard';
import type { MigrationService } from '../../server/migration.service';
import type { CallContext } from '../driver';
import type { SimDriver } from './sim-driver';

interface Offer {
  spec: DomainSpec;
  memoryMb: number;
  vcpus: number;
  epoch: number;
}

/**
 * Migration between simulated hosts, over the same ReceiveMigration stream the xl driver
 * uses: the source offers the domain, the target checks it can take it, the memory is
 * "copied" at the configured bandwidth, then the domain pauses for the downtime and moves.
 */
export class SimMigration implements MigrationService {
  private readonly log = getLogger('sim-migration');

  constructor(
    private readonly sim: SimDriver,
    private readonly peers: PeerAgents,
    private readonly tickets: Pick<MigrationTickets, 'admit'>,
  ) {}

  async migrateOut(req: MigrateDomainRequest, ctx: CallContext): Promise<MigrateDomainResponse> {
    const snapshot = this.sim.snapshot(req.vmId);
    const started = Date.now();
    const stream = this.peers.receiveMigration(req.targetHostId, req.targetAddress, ctx.signal);
    const answers = stream[Symbol.asyncIterator]();
    const next = async (): Promise<MigrationChunk> => {
      const r = await answers.next();
      if (r.done) throw new AgentError('unavailable', 'the target agent closed the migration stream');
      return r.value as MigrationChunk;
    };
    try {
      const offer: Offer = { ...snapshot, epoch: req.epoch || snapshot.epoch };
      stream.write({
        vmId: req.vmId,
        epoch: offer.epoch,
        // the spec in its protobuf JSON form: its bytes (user-data) as base64, read back as bytes
        data: Buffer.from(JSON.stringify({ ...offer, spec: DomainSpec.toJSON(offer.spec) })),
        eof: false,
        ticket: req.ticket,
      });
      await next(); // the target accepted (it has the memory)
      // the step tests wait for before they break something mid-copy
      this.log.info({ vmId: req.vmId, targetHostId: req.targetHostId }, 'migrating out: copying memory');
      const { migrationMbps, migrationDowntimeMs } = this.sim.config;
      await sleep(req.live ? Math.ceil((snapshot.memoryMb / migrationMbps) * 1000) : 0, ctx.signal);
      await sleep(req.live ? migrationDowntimeMs : Math.ceil((snapshot.memoryMb / migrationMbps) * 1000), ctx.signal);
      stream.write({ vmId: req.vmId, epoch: offer.epoch, data: Buffer.alloc(0), eof: true, ticket: '' });
      const done = await next();
      const { domId } = JSON.parse(done.data.toString()) as { domId: number };
      this.sim.release(req.vmId);
      stream.end();
      return {
        targetDomId: domId,
        transferSeconds: (Date.now() - started) / 1000,
        downtimeMs: req.live ? migrationDowntimeMs : Date.now() - started,
      };
    } catch (err) {
      stream.cancel();
      throw err;
    }
  }

  receive(call: ServerDuplexStream<MigrationChunk, MigrationChunk>): void {
    let offer: Offer | undefined;
    let refused = false;
    const fail = (err: unknown) => {
      refused = true;
      const e = toServiceError(err);
      this.log.warn({ err: e.details }, 'incoming migration refused');
      // emit, not destroy: grpc-js 1.14 sends no status for a destroyed server stream, and the
      // source would wait for its deadline instead of hearing why
      call.emit('error', Object.assign(new Error(e.details), e));
    };
    let callerHostId = '';
    try {
      const caller = authorize(call, ['host']);
      if (caller.kind === 'host') callerHostId = caller.hostId;
    } catch (err) {
      fail(err);
      return;
    }
    call.on('data', (chunk: MigrationChunk) => {
      if (refused) return;
      try {
        if (!offer) {
          this.tickets.admit(callerHostId, chunk);
          const raw = JSON.parse(chunk.data.toString()) as Offer;
          offer = { ...raw, spec: DomainSpec.fromJSON(raw.spec) };
          if (offer.spec.vmId !== chunk.vmId) throw new AgentError('invalid_argument', 'the offer names another VM');
          this.sim.ensureMemory(offer.memoryMb);
          call.write({ vmId: chunk.vmId, epoch: chunk.epoch, data: Buffer.alloc(0), eof: false, ticket: '' });
        } else if (chunk.eof) {
          const dom = this.sim.receive(offer.spec, offer.memoryMb, offer.vcpus, offer.epoch);
          call.write({
            vmId: chunk.vmId,
            epoch: chunk.epoch,
            data: Buffer.from(JSON.stringify({ domId: dom.domId })),
            eof: true,
            ticket: '',
          });
          call.end();
        }
      } catch (err) {
        fail(err);
      }
    });
  }
}
