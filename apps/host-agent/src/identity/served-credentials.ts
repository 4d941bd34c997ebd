import { createSecureContext } from 'node:tls';
import { experimental, type ServerCredentials } from '@grpc/grpc-js';
import type { TlsIdentity } from '@xenplane/agent-client';

type CaListener = (update: experimental.CaCertificateUpdate | null) => void;
type IdentityListener = (update: experimental.IdentityCertificateUpdate | null) => void;

/**
 * The agent's server credentials, whose key and certificate can be replaced while it serves:
 * grpc-js (>= 1.12) gives the listening server a new TLS context (setSecureContext) when a
 * certificate provider says so. New connections are served under the new certificate; the
 * connections already open, and the calls on them, go on under the old one until they close.
 * No listener restart, no refused connection.
 *
 * The same object is both providers (the CA and the identity): grpc-js's factory and its class
 * disagree on the order of the two arguments, and this way the order cannot matter.
 */
export class ServedCredentials implements experimental.CertificateProvider {
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private current: TlsIdentity;

  constructor(identity: TlsIdentity) {
    usable(identity);
    this.current = identity;
  }

  /** Mutual TLS: a client certificate of our CA is required. */
  credentials(): ServerCredentials {
    return experimental.createCertificateProviderServerCredentials(this, this, true);
  }

  /**
   * Serves the new identity from the next connection on. Checked first (key and certificate
   * agree, OpenSSL takes them): grpc-js drops every new connection if a context it is given
   * fails, so a bad one must never reach it.
   */
  replace(identity: TlsIdentity): void {
    usable(identity);
    this.current = identity;
    for (const l of this.caListeners) l(this.caUpdate());
    for (const l of this.identityListeners) l(this.identityUpdate());
  }

  // grpc-js subscribes before it registers the server's watcher: the first update must come
  // after (a provider's listeners are told asynchronously, as its file watcher does)
  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    process.nextTick(() => {
      if (this.caListeners.has(listener)) listener(this.caUpdate());
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    process.nextTick(() => {
      if (this.identityListeners.has(listener)) listener(this.identityUpdate());
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  private caUpdate(): experimental.CaCertificateUpdate {
    return { caCertificate: Buffer.from(this.current.caCertPem) };
  }

  private identityUpdate(): experimental.IdentityCertificateUpdate {
    return { certificate: Buffer.from(this.current.certPem), privateKey: Buffer.from(this.current.keyPem) };
  }
}

/** Throws unless OpenSSL accepts the key, certificate and CA together (a key that is not the certificate's, above all). */
function usable(identity: TlsIdentity): void {
  createSecureContext({ ca: identity.caCertPem, cert: identity.certPem, key: identity.keyPem });
}
