import { X509Certificate } from 'node:crypto';

/** Who a certificate of our CA names: a host (by id) or the control plane. */
export type Identity = { kind: 'host'; hostId: string } | { kind: 'control-plane' };

export const CONTROL_PLANE_URI = 'urn:xenplane:control-plane';
export const hostUri = (hostId: string) => `urn:xenplane:host:${hostId}`;

const HOST_URI = /^urn:xenplane:host:([0-9a-f-]{36})$/;

/** Reads the identity from a certificate's SAN URIs (PEM, DER, or Node's "URI:..., IP Address:..." string). */
export function identityFromCertificate(cert: string | Buffer): Identity | undefined {
  return identityFromSubjectAltName(subjectAltNameOf(cert));
}

export function identityFromSubjectAltName(san: string | undefined): Identity | undefined {
  for (const part of (san ?? '').split(/,\s*/)) {
    if (!part.startsWith('URI:')) continue;
    const uri = part.slice(4);
    if (uri === CONTROL_PLANE_URI) return { kind: 'control-plane' };
    const host = HOST_URI.exec(uri);
    if (host) return { kind: 'host', hostId: host[1]! };
  }
  return undefined;
}

function subjectAltNameOf(cert: string | Buffer): string | undefined {
  if (typeof cert === 'string' && !cert.includes('-----BEGIN')) return cert;
  return new X509Certificate(cert).subjectAltName;
}
