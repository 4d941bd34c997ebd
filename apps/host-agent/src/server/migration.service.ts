import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { MigrateDomainRequest, MigrateDomainResponse, MigrationChunk } from '@xenplane/proto';
import type { CallContext } from '../drivers/driver';

/**
 * Live migration between agents over their own mutual-TLS channel: the source calls the
 * target's ReceiveMigration with its host certificate, so no SSH keys are shared between hosts.
 */
export interface MigrationService {
  migrateOut(req: MigrateDomainRequest, ctx: CallContext): Promise<MigrateDomainResponse>;
  receive(call: ServerDuplexStream<MigrationChunk, MigrationChunk>): void;
}
