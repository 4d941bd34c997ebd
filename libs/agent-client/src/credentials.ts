import { credentials as grpcCredentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { identityFromSubjectAltName } from '@xenplane/pki';

export interface TlsIdentity {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

// The TLS name a channel asks for is the host id it means to reach: the one shared credential
// object then knows, per connection, which host the certificate must name.
const NAME_PREFIX = 'xenplane-host.';

// One TLS context per identity, shared by every channel: a context costs ~50 KB, and a
// scheduler talks to 10,000 hosts.
const shared = new WeakMap<TlsIdentity, ChannelCredentials>();

/**
 * Client credentials that trust only the control plane's CA and accept only the server that
 * is the host we meant to call: its certificate must name exactly that host id. An agent the
 * CA did not enroll, or another enrolled host answering at that address, is refused.
 * Use with channelOptionsFor(hostId), which tells the check which host that is.
 */
export function channelCredentialsFor(identity: TlsIdentity): ChannelCredentials {
  let creds = shared.get(identity);
  if (!creds) {
    creds = grpcCredentials.createSsl(
      Buffer.from(identity.caCertPem),
      Buffer.from(identity.keyPem),
      Buffer.from(identity.certPem),
      {
        checkServerIdentity: (hostname: string, cert: PeerCertificate) => {
          const expected = hostname.startsWith(NAME_PREFIX) ? hostname.slice(NAME_PREFIX.length) : undefined;
          const id = identityFromSubjectAltName(cert.subjectaltname);
          if (expected && id?.kind === 'host' && id.hostId === expected) return undefined;
          return new Error(`the agent's certificate is not host ${expected ?? '(unknown)'}'s`);
        },
      },
    );
    shared.set(identity, creds);
  }
  return creds;
}

/** The channel options that bind a channel to the host it must reach (see channelCredentialsFor). */
export function channelOptionsFor(hostId: string): ChannelOptions {
  return {
    'grpc.ssl_target_name_override': `${NAME_PREFIX}${hostId}`,
    'grpc.default_authority': `${NAME_PREFIX}${hostId}`,
  };
}
