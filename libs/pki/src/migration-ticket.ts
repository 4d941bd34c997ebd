import { sign, verify, X509Certificate } from 'node:crypto';
import { identityFromSubjectAltName } from './identity';

/** What a migration ticket allows: this VM, from this host, into that one, until then. */
export interface MigrationClaims {
  vmId: string;
  sourceHostId: string;
  targetHostId: string;
  /** ms since the epoch */
  expiresAt: number;
}

/** The control plane's permission is only needed to open the stream: minutes, never days. */
export const MAX_TICKET_MS = 15 * 60_000;
const MAX_TICKET_CHARS = 8_192;

export class MigrationTicketError extends Error {
  override name = 'MigrationTicketError';
}

/**
 * The control plane's written permission for one migration, which the source agent hands to
 * the target: `<claims>.<signature>.<signer's certificate>`, each base64url. Without it any
 * host of the CA could push a domain into any other host.
 */
export function signMigrationTicket(signer: { certPem: string; keyPem: string }, claims: MigrationClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = sign('sha256', Buffer.from(payload), signer.keyPem).toString('base64url');
  return `${payload}.${signature}.${new X509Certificate(signer.certPem).raw.toString('base64url')}`;
}

/**
 * Checks a ticket as the target host: signed by a control-plane certificate of our CA, valid
 * now, naming exactly this VM, the calling host as source and this host as target. Throws
 * MigrationTicketError saying what is wrong.
 */
export function verifyMigrationTicket(
  ticket: string,
  o: { caCertPem: string; expect: Omit<MigrationClaims, 'expiresAt'>; now?: number },
): void {
  const now = o.now ?? Date.now();
  if (!ticket) throw new MigrationTicketError('no migration ticket: the control plane did not ask for this migration');
  if (ticket.length > MAX_TICKET_CHARS) throw new MigrationTicketError('the migration ticket is too long');
  const [payload, signature, certDer, ...rest] = ticket.split('.');
  if (!payload || !signature || !certDer || rest.length)
    throw new MigrationTicketError('the migration ticket is malformed');
  const signer = signerOf(certDer, o.caCertPem, now);
  if (!verify('sha256', Buffer.from(payload), signer.publicKey, Buffer.from(signature, 'base64url'))) {
    throw new MigrationTicketError('the migration ticket signature does not match');
  }
  const claims = parseClaims(payload);
  if (claims.expiresAt <= now) throw new MigrationTicketError('the migration ticket has expired');
  if (claims.expiresAt - now > MAX_TICKET_MS)
    throw new MigrationTicketError('the migration ticket is valid for too long');
  for (const [key, what] of [
    ['vmId', 'VM'],
    ['sourceHostId', 'source host'],
    ['targetHostId', 'target host'],
  ] as const) {
    if (claims[key] !== o.expect[key]) throw new MigrationTicketError(`the migration ticket is for another ${what}`);
  }
}

function signerOf(certDer: string, caCertPem: string, now: number): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(certDer, 'base64url'));
  } catch {
    throw new MigrationTicketError('the migration ticket carries no readable certificate');
  }
  const ca = new X509Certificate(caCertPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
    throw new MigrationTicketError('the migration ticket is not signed under our CA');
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo))
    throw new MigrationTicketError("the migration ticket's certificate is not valid now");
  if (identityFromSubjectAltName(cert.subjectAltName)?.kind !== 'control-plane') {
    throw new MigrationTicketError('the migration ticket is not signed by the control plane');
  }
  return cert;
}

function parseClaims(payload: string): MigrationClaims {
  let c: Partial<MigrationClaims>;
  try {
    c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<MigrationClaims>;
  } catch {
    throw new MigrationTicketError('the migration ticket claims are not JSON');
  }
  if (
    typeof c.vmId !== 'string' ||
    typeof c.sourceHostId !== 'string' ||
    typeof c.targetHostId !== 'string' ||
    typeof c.expiresAt !== 'number'
  ) {
    throw new MigrationTicketError('the migration ticket claims are incomplete');
  }
  return c as MigrationClaims;
}
