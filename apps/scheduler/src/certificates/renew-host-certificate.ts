import type { AgentClient } from '@xenplane/agent-client';
import type { CertificateAuthority, IssuedCert } from '@xenplane/pki';

/**
 * The control plane's half of one host's certificate renewal, over the host's current
 * mutual-TLS channel (the agent answers only our client certificate, and we accept only the
 * certificate naming this host): the agent makes a new key and sends its CSR, the CA signs it
 * as at enrollment (the host id and address, a new serial, 365 days), the agent checks the
 * certificate, keeps it and serves under it. The private key never leaves the host.
 */
export async function renewHostCertificate(
  agent: AgentClient,
  ca: CertificateAuthority,
  host: { id: string; address: string },
): Promise<IssuedCert> {
  const { csrPem } = await agent.requestCertificateRenewal({});
  const issued = await ca.signHostCsr(csrPem, { hostId: host.id, address: host.address });
  const installed = await agent.installCertificate({ certificatePem: issued.certPem });
  if (!sameSerial(installed.serial, issued.serial))
    throw new Error(`host ${host.id} says it serves certificate ${installed.serial}, not ${issued.serial}`);
  return issued;
}

/** Serials as hex, whatever the case or leading zeros (Node's X509 shows them upper case). */
function sameSerial(a: string, b: string): boolean {
  try {
    return BigInt(`0x${a}`) === BigInt(`0x${b}`);
  } catch {
    return false;
  }
}
