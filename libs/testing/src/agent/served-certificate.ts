import { connect, type PeerCertificate } from 'node:tls';
import type { TlsIdentity } from '@xenplane/agent-client';
import { identityFromSubjectAltName } from '@xenplane/pki';

export interface ServedCertificate {
  /** hex, upper case (as Node shows it) */
  serial: string;
  /** the host id its SAN names, if any */
  hostId: string | undefined;
  validTo: Date;
}

/**
 * The certificate an agent serves on a new connection, seen in a real TLS handshake made with
 * `identity` as client certificate (the agent refuses a handshake without one of its CA), and
 * the CA checking the chain. Only the handshake: no gRPC is spoken.
 */
export function servedCertificate(address: string, identity: TlsIdentity): Promise<ServedCertificate> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      ca: identity.caCertPem,
      cert: identity.certPem,
      key: identity.keyPem,
      ALPNProtocols: ['h2'],
      // a name, not the IP (RFC 6066): the agent serves one certificate whatever is asked
      servername: 'xenplane-agent',
      // the name is the host id in the SAN, read below: the chain is what the handshake checks
      checkServerIdentity: () => undefined,
    });
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const cert: PeerCertificate = socket.getPeerCertificate();
      const id = identityFromSubjectAltName(cert.subjectaltname);
      socket.destroy();
      resolve({
        serial: cert.serialNumber,
        hostId: id?.kind === 'host' ? id.hostId : undefined,
        validTo: new Date(cert.valid_to),
      });
    });
  });
}
