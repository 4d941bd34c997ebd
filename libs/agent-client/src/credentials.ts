import { credentials as grpcCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { identityFromSubjectAltName } from '@xenplane/pki';

export interface TlsIdentity {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * Client credentials that trust only the control plane's CA and accept only the server that
 * is the host we meant to call: its certificate must name exactly that host id. An agent the
 * CA did not enroll, or another enrolled host answering at that address, is refused.
 */
export function channelCredentialsFor(identity: TlsIdentity, expectedHostId: string): ChannelCredentials {
  return grpcCredentials.createSsl(Buffer.from(identity.caCertPem), Buffer.from(identity.keyPem), Buffer.from(identity.certPem), {
    checkServerIdentity: (_hostname: string, cert: PeerCertificate) => {
      const id = identityFromSubjectAltName(cert.subjectaltname);
      if (id?.kind === 'host' && id.hostId === expectedHostId) return undefined;
      return new Error(`the agent's certificate is not host ${expectedHostId}'s`);
    },
  });
}
