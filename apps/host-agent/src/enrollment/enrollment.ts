import type { TlsIdentity } from '@xenplane/agent-client';
import { createKeyAndCsr } from '@xenplane/pki';
import { getLogger } from '@xenplane/observability';
import { readIdentity, writeIdentity } from '../identity/identity-file';
import { postJson } from './enroll-request';

export interface HostIdentity extends TlsIdentity {
  hostId: string;
  poolId: string;
  name: string;
  address: string;
}

export interface EnrollmentSettings {
  stateDir: string;
  name: string;
  address: string;
  controlPlaneUrl?: string;
  token?: string;
}

const log = getLogger('enrollment');

/**
 * The host's identity: read from its state directory, or obtained once by enrolling with a
 * one-time token. The private key is made here and never leaves the host; only its CSR does.
 */
export async function ensureEnrolled(s: EnrollmentSettings): Promise<HostIdentity> {
  const known = readIdentity(s.stateDir);
  if (known) return known;
  if (!s.token || !s.controlPlaneUrl) {
    throw new Error(
      `host ${s.name} is not enrolled: give it an enrollment token (AGENT_ENROLLMENT_TOKEN) and AGENT_CONTROL_PLANE_URL`,
    );
  }
  const { keyPem, csrPem } = await createKeyAndCsr(s.name);
  const { status, body } = await postJson(
    new URL('/v1/hosts/enroll', s.controlPlaneUrl),
    { token: s.token, name: s.name, address: s.address, csrPem },
    30_000,
  );
  if (status !== 201)
    throw new Error(`enrollment of ${s.name} refused: ${status} ${body['detail'] ?? JSON.stringify(body)}`);
  const identity: HostIdentity = {
    hostId: body['hostId']!,
    poolId: body['poolId']!,
    name: s.name,
    address: s.address,
    caCertPem: body['caCertificatePem']!,
    certPem: body['certificatePem']!,
    keyPem,
  };
  writeIdentity(s.stateDir, identity);
  log.info({ hostId: identity.hostId, name: s.name, address: s.address }, 'enrolled');
  return identity;
}
