import { MigrationTicketError, verifyMigrationTicket } from '@xenplane/pki';
import type { MigrationChunk } from '@xenplane/proto';
import { AgentError } from '../errors';

/**
 * The target's check of an incoming migration: a host certificate only proves the caller is one
 * of our hosts; the ticket in its first chunk proves the control plane asked for this VM to move
 * from that host to this one. Without it a compromised host could push domains anywhere.
 */
export class MigrationTickets {
  constructor(private readonly self: { hostId: string; caCertPem: string }) {}

  admit(callerHostId: string, first: MigrationChunk): void {
    try {
      verifyMigrationTicket(first.ticket, {
        caCertPem: this.self.caCertPem,
        expect: { vmId: first.vmId, sourceHostId: callerHostId, targetHostId: this.self.hostId },
      });
    } catch (err) {
      if (err instanceof MigrationTicketError) throw new AgentError('permission_denied', err.message);
      throw err;
    }
  }
}
